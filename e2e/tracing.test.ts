import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import { tracingActive, tracingRequested } from '../kernel/tracing.ts';
import { createAgentAsAdmin, register, type Auth } from '../test-support/journeys.ts';
import { SubscriptionProbe } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * Traces end to end, against an OTLP/HTTP receiver started here. Tracing reads the process
 * environment (as the OpenTelemetry SDK does for all its own settings), not the environment a
 * service's loadConfig is given, so the traced system runs with OTEL_* set on process.env.
 */

interface OtlpSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

/** A plain OTLP/HTTP JSON receiver: POST /v1/traces, keeping every span it is sent. */
async function startReceiver() {
  const spans: OtlpSpan[] = [];
  let requests = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests += 1;
      if (req.method !== 'POST' || req.url !== '/v1/traces') {
        res.writeHead(404).end();
        return;
      }
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      spans.push(...decode(JSON.parse(body.toString('utf8'))));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type AnyValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
const anyValue = (v: AnyValue) => v.stringValue ?? v.intValue ?? v.boolValue ?? v.doubleValue;
const attrs = (list: { key: string; value: AnyValue }[] = []) => Object.fromEntries(list.map((a) => [a.key, anyValue(a.value)]));

function decode(body: any): OtlpSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs: any) => {
    const service = String(attrs(rs.resource?.attributes)['service.name']);
    return (rs.scopeSpans ?? []).flatMap((ss: any) =>
      (ss.spans ?? []).map(
        (s: any): OtlpSpan => ({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId || undefined,
          name: s.name,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          links: (s.links ?? []).map((l: any) => ({ traceId: l.traceId, spanId: l.spanId })),
        }),
      ),
    );
  });
}

const ms = (s: OtlpSpan) => Number(s.endNs - s.startNs) / 1e6;

/** The trace as an indented tree, children in start order: what the issue note shows. */
function render(spans: OtlpSpan[]): string {
  const byParent = new Map<string | undefined, OtlpSpan[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : undefined;
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const t0 = spans.reduce((min, s) => (s.startNs < min ? s.startNs : min), spans[0]?.startNs ?? 0n);
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const s of (byParent.get(parent) ?? []).sort((a, b) => (a.startNs < b.startNs ? -1 : 1))) {
      const at = (Number(s.startNs - t0) / 1e6).toFixed(1).padStart(7);
      lines.push(`${at} ms  ${ms(s).toFixed(2).padStart(8)} ms  ${'  '.repeat(depth)}${s.name}  [${s.service}]`);
      walk(s.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.join('\n');
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const EVENTS = 'subscription InstanceEvents($after: String) { instanceEvents(after: $after) { type instanceId instance { id title agent { name } } } }';
const CREATE = 'mutation CreateInstance($i: CreateInstanceInput!) { createInstance(input: $i) { id } }';

let receiver: Awaited<ReturnType<typeof startReceiver>>;

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

describe('tracing is off unless configured', () => {
  test('which settings turn it on', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'x', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
  });

  test('without OTEL settings nothing is exported and no provider is registered; /metrics has the process metrics', async () => {
    expect(tracingRequested()).toBe(false);
    const system = await startSystem();
    try {
      await register(system, 'quiet@example.com');
      expect(tracingActive()).toBe(false);
      const provider = trace.getTracerProvider() as ProxyTracerProvider;
      expect(provider).toBeInstanceOf(ProxyTracerProvider);
      expect(provider.getDelegate().constructor.name).toBe('NoopTracerProvider');
      expect(trace.getTracer('probe').startSpan('probe').isRecording()).toBe(false);
      for (const url of [system.gatewayUrl, system.users.url, system.instances.url]) {
        const text = await (await fetch(url.replace(/\/graphql$/, '/metrics'))).text();
        expect(text).toMatch(/^process_resident_memory_bytes\{service="\w+"\} \d+/m);
        expect(text).toMatch(/^nodejs_eventloop_lag_seconds\{service="\w+"\} [\d.e-]+/m);
      }
    } finally {
      await system.stop();
    }
    expect(receiver.requests()).toBe(0);
  });
});

describe('with an OTLP endpoint', () => {
  const saved = { ...process.env };
  let system: System;
  let ann: Auth;
  let agentId: string;
  let watcher: SubscriptionProbe;

  beforeAll(async () => {
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
    process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
    system = await startSystem({}, { cdc: 'in-process' });
    agentId = await createAgentAsAdmin(system);
    ann = await register(system, 'ann@example.com');
  });
  afterAll(async () => {
    await watcher?.close();
    await system?.stop();
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
  });

  test('one trace from the gateway through the subgraph to SQL, continued by the relay and the bridge, and a delivery linked to it', async () => {
    expect(tracingActive()).toBe(true);
    const client = system.client({ token: ann.accessToken });
    // From a cursor taken first, so every change below is delivered, the warm-up's creation included:
    // the span search below may pick either creation's trace.
    const { eventCursor } = await client.ok<{ eventCursor: string }>('{ eventCursor }');
    watcher = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(EVENTS, { after: eventCursor });
    const warmup = (await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Warm-up' } })).createInstance.id;
    await watcher.until((r) => r.some((e) => e.data?.instanceEvents.instanceId === warmup));

    const { createInstance } = await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Traced' } });
    await watcher.until((r) => r.some((e) => e.data?.instanceEvents.instanceId === createInstance.id));
    expect(watcher.results.every((e) => !('extensions' in e) || !e.extensions)).toBe(true);

    // The mutation's trace: found by its subgraph span, whose SQL inserted the instance.
    const mutation = await until('the gateway operation span', () =>
      receiver.spans.find((s) => s.name === 'graphql.operation CreateInstance' && receiver.spans.some((c) => c.traceId === s.traceId && c.name === 'relay.transaction')),
    );
    const inTrace = () => receiver.spans.filter((s) => s.traceId === mutation.traceId);
    await until('the bridge span', () => inTrace().find((s) => s.name.startsWith('bridge.record ')));
    // The delivery links to the bridge span of the record it came from (a transaction may carry several).
    const delivery = await until('the delivery span', () =>
      receiver.spans.find(
        (s) =>
          s.name === 'graphql.subscription.event InstanceEvents' &&
          s.links.some((l) => inTrace().some((b) => b.spanId === l.spanId && b.name.startsWith('bridge.record '))),
      ),
      30_000,
    );
    const bridge = inTrace().find((b) => delivery.links.some((l) => l.spanId === b.spanId)) as OtlpSpan;
    await new Promise((r) => setTimeout(r, 300)); // the trace's last spans (the gateway's children end last)
    const spans = inTrace();
    const named = (name: string) => spans.filter((s) => s.name === name || s.name.startsWith(`${name} `));

    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const descends = (span: OtlpSpan, ancestor: OtlpSpan | undefined) => {
      for (let at = span.parentSpanId; at; at = byId.get(at)?.parentSpanId) if (at === ancestor?.spanId) return true;
      return false;
    };
    const [operation] = named('graphql.operation CreateInstance');
    const fetch = named('subgraph instances').find((s) => descends(s, operation));
    const request = named('graphql.request').find((s) => s.service === 'instances' && s.parentSpanId === fetch?.spanId);
    const sql = spans.filter((s) => s.name.startsWith('sql ') && s.parentSpanId === request?.spanId);
    expect(operation).toMatchObject({ service: 'gateway' });
    expect(fetch).toBeDefined();
    expect(request).toBeDefined();
    expect(sql.map((s) => s.name)).toEqual(expect.arrayContaining(['sql INSERT instances.instance']));
    for (const s of sql) {
      expect(String(s.attributes['db.statement'] ?? '')).not.toContain('Traced'); // statements, never parameters
      expect(s.attributes['db.system']).toBe('postgresql');
    }
    const relay = spans.find((s) => s.name === 'relay.transaction');
    expect(relay?.parentSpanId).toBe(request?.spanId);
    expect(bridge.parentSpanId).toBe(relay?.spanId);
    expect(delivery.links).toContainEqual({ traceId: mutation.traceId, spanId: bridge.spanId });

    const deliveryTrace = receiver.spans.filter((s) => s.traceId === delivery.traceId);
    console.info(
      `trace ${mutation.traceId} (start offset, duration, span [service])\n${render(spans)}\n\n` +
        `delivery to one subscriber, trace ${delivery.traceId}, linked to ${bridge.name} ${bridge.spanId}\n${render(deliveryTrace)}`,
    );
  }, 90_000);
});

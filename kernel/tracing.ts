/**
 * OpenTelemetry traces for every Atrium service, off unless configured.
 *
 * Explicit spans, not auto-instrumentation. Auto-instrumentation patches libraries as they load;
 * for ES modules that needs import-in-the-middle hooked in with `node --import …` before the
 * program's first import. Our services start as `node gateway/src/main.ts` (and `npm start` runs
 * them all in one process, the tests under jest's own ESM loader, where such hooks never run), so it
 * would work in some of our processes and silently not in others. It would also trace SQL at the
 * `pg` driver, where MikroORM has already written the parameters into the statement text. So the
 * spans are opened with `@opentelemetry/api` at the few seams that matter, and work the same in every
 * way a service is started:
 *
 * - gateway: `graphql.operation <Name>` and `subgraph <name>`: @apollo/gateway opens these itself
 *   through the API (`gateway.request`, `gateway.fetch`, beside `gateway.plan`/`gateway.execute`);
 *   {@link ApolloGatewaySpanNames} only names them. `traceparent` goes to the subgraph (datasource.ts).
 * - subgraph: one span per /graphql request continuing that `traceparent` (tracing-graphql.ts), SQL
 *   statements from MikroORM's query log as its children (tracing-sql.ts).
 * - change data: the relay's span per committed transaction continues the trace whose `traceparent`
 *   the subgraph wrote into that transaction's WAL (tracing-sql.ts), the bridge's span per record
 *   continues the relay's (Kafka headers, or the in-process record), and the gateway's span resolving
 *   an event for a subscriber links to the bridge's (bus payload `source.traceparent`, passed on by
 *   the subgraph in the event's `extensions`).
 *
 * The SDK is sdk-trace-base with the OTLP/HTTP (JSON) exporter, configured by the standard variables,
 * which it reads from the process environment (OTEL_EXPORTER_OTLP_*, OTEL_TRACES_SAMPLER, OTEL_BSP_*,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME). Nothing is set up, not even a context manager,
 * unless an endpoint is configured or OTEL_TRACES_EXPORTER=otlp.
 */
import {
  type Attributes,
  type Context,
  context,
  type DiagLogger,
  DiagLogLevel,
  diag,
  type Link,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  type Span,
  type SpanOptions,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type Span as SdkSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './log.ts';

type Env = Record<string, string | undefined>;

/** What a service holds while it traces; `shutdown()` in its `stop()`. */
export interface Tracing {
  /** Whether spans are recorded and exported; false when tracing is not configured. */
  readonly active: boolean;
  /**
   * Exports what is buffered. The last service of the process to stop also shuts the exporter down
   * and unregisters the global tracer provider. Idempotent.
   */
  shutdown(): Promise<void>;
}

/** The machinery one process shares: one exporter queue, one provider (and resource) per service. */
interface ProcessTracing {
  processor: BatchSpanProcessor;
  providers: Map<string, BasicTracerProvider>;
  holders: number;
  logger?: Logger;
}

let processTracing: ProcessTracing | undefined;

const NOOP_TRACER = new ProxyTracerProvider().getTracer('atrium');
const OFF: Tracing = { active: false, shutdown: async () => {} };
const nonEmpty = (v: string | undefined) => (v?.trim() ? v.trim() : undefined);

/**
 * Whether the environment asks for traces: an OTLP endpoint (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
 * OTEL_EXPORTER_OTLP_ENDPOINT), or OTEL_TRACES_EXPORTER=otlp (then the SDK's default
 * http://localhost:4318). OTEL_SDK_DISABLED=true, or an OTEL_TRACES_EXPORTER without `otlp`
 * (`none`), turns it off whatever else is set.
 */
export function tracingRequested(env: Env = process.env): boolean {
  if (nonEmpty(env.OTEL_SDK_DISABLED)?.toLowerCase() === 'true') return false;
  const exporters = nonEmpty(env.OTEL_TRACES_EXPORTER)
    ?.split(',')
    .map((e) => e.trim().toLowerCase());
  if (exporters) return exporters.includes('otlp');
  return Boolean(nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT));
}

/**
 * Starts tracing for `service` when the environment asks for it (see {@link tracingRequested}), and
 * does nothing otherwise. Several services in one process (`npm start`, the tests) share one
 * exporter and one global registration, started by the first; each keeps its own `service.name`
 * (OTEL_SERVICE_NAME, when set, names them all).
 */
export function startTracing(service: string, opts: { logger?: Logger } = {}): Tracing {
  if (!processTracing && !tracingRequested()) return OFF;
  processTracing ??= setUp(opts.logger);
  const state = processTracing;
  state.holders += 1;
  if (!state.providers.has(service)) {
    state.providers.set(
      service,
      new BasicTracerProvider({ resource: resourceOf(service), spanProcessors: [new ApolloGatewaySpanNames(), state.processor] }),
    );
  }
  let released = false;
  return {
    active: true,
    async shutdown() {
      if (released) return;
      released = true;
      await release(state);
    },
  };
}

function setUp(logger: Logger | undefined): ProcessTracing {
  if (logger) diag.setLogger(diagLogger(logger.child({ component: 'opentelemetry' })), DiagLogLevel.WARN);
  const protocol = nonEmpty(process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) ?? nonEmpty(process.env.OTEL_EXPORTER_OTLP_PROTOCOL);
  if (protocol && protocol !== 'http/json') {
    logger?.warn({ protocol }, 'OTLP traces are sent as http/json; every OTLP/HTTP receiver accepts it, the protocol setting is ignored');
  }
  // Both read their OTEL_EXPORTER_OTLP_* and OTEL_BSP_* settings from the environment.
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(libraryTracers);
  return { processor, providers: new Map(), holders: 0, logger };
}

async function release(state: ProcessTracing): Promise<void> {
  state.holders -= 1;
  try {
    if (state.holders > 0) {
      await state.processor.forceFlush();
      return;
    }
    if (processTracing === state) processTracing = undefined;
    await state.processor.shutdown();
  } catch (err) {
    // A collector that is down must not fail a service's stop: its spans are lost, nothing else.
    state.logger?.warn({ err: (err as Error).message }, 'exporting the last spans failed');
  } finally {
    if (!processTracing) {
      trace.disable();
      propagation.disable();
      context.disable();
      diag.disable();
    }
  }
}

/** The service's resource: SDK defaults, `service.name`, then OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME. */
function resourceOf(service: string): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': service }))
    .merge(detectResources({ detectors: [envDetector] }));
}

/** True while this process exports traces; span-making code checks it first, so off costs nothing. */
export const tracingActive = (): boolean => processTracing !== undefined;

/**
 * The tracer for spans a service makes itself; a no-op one when tracing is off (or `service` did
 * not start tracing in this process, e.g. the CLI).
 */
export function tracerFor(service: string): Tracer {
  return processTracing?.providers.get(service)?.getTracer('atrium') ?? NOOP_TRACER;
}

/**
 * The global provider, for spans that libraries open through `@opentelemetry/api` (@apollo/gateway's):
 * they are the gateway's when this process runs one, else the first service's. It resolves on every
 * span, so a library that cached its tracer still follows a restart of tracing (tests).
 */
const libraryTracers: TracerProvider = {
  getTracer(name, version, options) {
    const target = () => {
      const providers = processTracing?.providers;
      const provider = providers?.get('gateway') ?? providers?.values().next().value;
      return provider?.getTracer(name, version, options) ?? NOOP_TRACER;
    };
    return {
      startSpan: (spanName, spanOptions, ctx) => target().startSpan(spanName, spanOptions, ctx),
      startActiveSpan: ((...args: Parameters<Tracer['startActiveSpan']>) =>
        (target().startActiveSpan as (...a: unknown[]) => unknown)(...args)) as Tracer['startActiveSpan'],
    };
  },
};

/**
 * Names @apollo/gateway's spans the way our traces read: its per-operation `gateway.request` becomes
 * `graphql.operation <OperationName>` and its per-fetch `gateway.fetch` becomes `subgraph <name>`
 * (the original name stays in `apollo.span`). A span may be renamed while it starts.
 */
export class ApolloGatewaySpanNames implements SpanProcessor {
  onStart(span: SdkSpan): void {
    if (span.instrumentationScope.name !== 'apollo/gateway-js') return;
    if (span.name === 'gateway.request') {
      span.setAttribute('apollo.span', span.name);
      span.updateName(`graphql.operation ${String(span.attributes['graphql.operation.name'] ?? 'anonymous')}`);
    } else if (span.name === 'gateway.fetch') {
      span.setAttribute('apollo.span', span.name);
      span.updateName(`subgraph ${String(span.attributes.service ?? 'unknown')}`);
    }
  }
  onEnd(_span: ReadableSpan): void {}
  forceFlush = async (): Promise<void> => {};
  shutdown = async (): Promise<void> => {};
}

/** The W3C `traceparent` (and `tracestate`) of `ctx`, written into `carrier`; nothing when there is no span. */
export function injectTraceContext<T extends Record<string, string>>(carrier: T, ctx: Context = context.active()): T {
  propagation.inject(ctx, carrier);
  return carrier;
}

/** The `traceparent` of `ctx` (the active span by default), if there is a span to continue. */
export function traceparentOf(ctx: Context = context.active()): string | undefined {
  return tracingActive() ? injectTraceContext<Record<string, string>>({}, ctx).traceparent : undefined;
}

/** The context a W3C carrier (HTTP headers, Kafka headers, `{ traceparent }`) continues; ROOT when it has none. */
export function contextFrom(carrier: Record<string, string | string[] | undefined> | undefined): Context {
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** A span link to the span a `traceparent` names, for work that follows from it without being part of it. */
export function linkTo(traceparent: string | undefined, attributes?: Attributes): Link | undefined {
  if (!traceparent || !tracingActive()) return undefined;
  const spanContext = trace.getSpanContext(contextFrom({ traceparent }));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext, attributes } : undefined;
}

/**
 * Runs `fn` inside a new active span of `service`, ending it when `fn` settles; a throw marks the
 * span failed and is rethrown. When tracing is off `fn` runs alone (no span, no context switch).
 */
export async function inSpan<T>(
  service: string,
  name: string,
  options: SpanOptions & { parent?: Context },
  fn: (span: Span | undefined) => Promise<T>,
): Promise<T> {
  if (!tracingActive()) return fn(undefined);
  const { parent, ...spanOptions } = options;
  return tracerFor(service).startActiveSpan(name, spanOptions, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/**
 * OpenTelemetry's own complaints (an export that failed, a bad setting) go to the service's log as
 * warnings: they cost spans, never requests. The diagnostics channel is process-wide, so it also
 * carries @apollo/gateway's usage-data meter (APOLLO_TELEMETRY_DISABLED), whose cloud resource
 * detectors always trip the SDK's "async attributes" notice; that one is not ours and is dropped.
 */
function diagLogger(log: Logger): DiagLogger {
  const warn = (message: string, ...args: unknown[]) => {
    if (message.startsWith('Accessing resource attributes before async attributes settled')) return;
    log.warn({ detail: args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))) }, message);
  };
  return {
    error: warn,
    warn,
    info: (message, ...args) => log.info({ args }, message),
    debug: (message, ...args) => log.debug({ args }, message),
    verbose: (message, ...args) => log.trace({ args }, message),
  };
}

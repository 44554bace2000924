import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { start as startGateway } from '../gateway/src/app.ts';
import { loadGatewayConfig } from '../gateway/src/config.ts';
import { createLogger } from '../kernel/log.ts';
import { start as startCatalog } from '../subgraphs/catalog/src/app.ts';
import { SUBGRAPHS } from '../subgraphs/list.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { readCounter } from '../test-support/metrics.ts';
import { startSystem, type System } from '../test-support/system.ts';

const silent = createLogger({ service: 'test', level: 'silent' });

let system: System;
let user: Auth;
beforeAll(async () => {
  system = await startSystem();
  user = await register(system, 'ready@example.com');
});
afterAll(() => system.stop());

/** Every subgraph of the registry reported up. */
const allOk = () => Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, { status: 'ok' }]));

const probe = (graphqlUrl: string, path: '/ready' | '/health') => fetch(graphqlUrl.replace(/\/graphql$/, path));

interface Health {
  status: string;
  subgraphs: Record<string, { status: string; reason?: string }>;
}

/** Polls the gateway's /health until the catalog reads `status`: a round of checks is reused for ~2 s. */
async function untilCatalogIs(status: 'ok' | 'failing'): Promise<Health> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const health = (await (await probe(system.gatewayUrl, '/health')).json()) as Health;
    if (health.subgraphs.catalog?.status === status || Date.now() > deadline) return health;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A TCP relay in front of the test Redis that can refuse every connection, as a Redis outage does,
 * and let them through again; the gateway reconnects by itself, so it can also stop cleanly.
 */
async function storeSwitch(target: string) {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let refusing = false;
  const relay = createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = connect(Number(port || 6379), hostname);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(relay.address() as AddressInfo).port}`,
    down() {
      refusing = true;
      for (const s of open) s.destroy();
    },
    up() {
      refusing = false;
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of open) s.destroy();
      relay.close(() => resolve());
    }),
  };
}

describe('gateway readiness and subgraph health', () => {
  test('with every subgraph up, the gateway is ready and reports each subgraph up on /health and in /metrics', async () => {
    const ready = await probe(system.gatewayUrl, '/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { supergraph: 'ok', store: 'ok' } });

    const health = await probe(system.gatewayUrl, '/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      subgraphs: allOk(),
    });
    for (const { name: subgraph } of SUBGRAPHS) {
      expect(await readCounter(system.gatewayUrl, 'atrium_subgraph_up', { subgraph })).toBe(1);
    }
  });

  test('with the catalog subgraph stopped, the gateway stays ready, reports catalog failing and still answers a query on users only', async () => {
    const port = system.catalog.port;
    await system.catalog.stop();
    try {
      const health = await untilCatalogIs('failing');
      expect(health).toEqual({
        status: 'ok',
        subgraphs: { ...allOk(), catalog: { status: 'failing', reason: 'unreachable' } },
      });

      const ready = await probe(system.gatewayUrl, '/ready');
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', checks: { supergraph: 'ok', store: 'ok' } });
      // /health is unauthenticated: a short reason, never the error text or the subgraph's address.
      const raw = await (await probe(system.gatewayUrl, '/health')).text();
      expect(raw).not.toMatch(/ECONN|fetch failed|localhost|127\.0\.0\.1|:\d{2,5}/);

      expect(await readCounter(system.gatewayUrl, 'atrium_subgraph_up', { subgraph: 'catalog' })).toBe(0);
      expect(await readCounter(system.gatewayUrl, 'atrium_subgraph_up', { subgraph: 'users' })).toBe(1);

      const me = await system.client({ token: user.accessToken }).ok<{ me: { email: string } }>('{ me { email } }');
      expect(me.me.email).toBe('ready@example.com');
    } finally {
      const catalog = await startCatalog({ ...system.catalog.deps.config, PORT: port }, silent);
      Object.assign(system, { catalog });
    }
    // Back on the same port, the catalog reads up again within a round or two.
    expect((await untilCatalogIs('ok')).subgraphs.catalog).toEqual({ status: 'ok' });
    expect(await readCounter(system.gatewayUrl, 'atrium_subgraph_up', { subgraph: 'catalog' })).toBe(1);
  }, 30_000);

  test('while its shared store is down the gateway answers 503 on /ready naming the store, and 200 again once it is back', async () => {
    const redis = await storeSwitch(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const gateway = await startGateway(
      loadGatewayConfig(
        {
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          PORT: '0',
          REDIS_URL: redis.url,
          REDIS_PREFIX: `atrium-test:ready-${Date.now()}:`,
          ...Object.fromEntries(SUBGRAPHS.map(({ name }) => [`SUBGRAPH_${name.toUpperCase()}_URL`, system[name].url])),
        },
        [],
      ),
      silent,
    );
    try {
      expect((await probe(gateway.url, '/ready')).status).toBe(200);
      redis.down();
      const ready = await probe(gateway.url, '/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toEqual({ status: 'not ready', checks: { supergraph: 'ok', store: 'failing' } });
      expect((await probe(gateway.url, '/health')).status).toBe(200);

      redis.up();
      const deadline = Date.now() + 10_000;
      while ((await probe(gateway.url, '/ready')).status !== 200 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect((await probe(gateway.url, '/ready')).status).toBe(200);
    } finally {
      redis.up();
      await gateway.stop();
      await redis.close();
    }
  }, 30_000);
});

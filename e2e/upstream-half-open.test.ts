import { createServer, type Server, type Socket, connect } from 'node:net';
import { createLogger } from '../kernel/log.ts';
import { start as startGateway } from '../gateway/src/app.ts';
import { loadGatewayConfig } from '../gateway/src/config.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { SubscriptionProbe } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

/** A TCP relay to the instances subgraph that can go silent: no data either way, no FIN, no RST (half-open). */
class SilentableRelay {
  readonly pairs: [Socket, Socket][] = [];
  server!: Server;
  port = 0;

  async start(targetPort: number) {
    this.server = createServer((client) => {
      const upstream = connect(targetPort, '127.0.0.1');
      client.pipe(upstream);
      upstream.pipe(client);
      for (const s of [client, upstream]) s.on('error', () => {});
      this.pairs.push([client, upstream]);
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** Every open connection stops carrying bytes but stays open. */
  silence() {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  stop() {
    for (const pair of this.pairs) for (const s of pair) s.destroy();
    this.server.close();
  }
}

let system: System;
let ann: Auth;
const relay = new SilentableRelay();
let gateway: Awaited<ReturnType<typeof startGateway>>;
beforeAll(async () => {
  system = await startSystem();
  ann = await register(system, 'ann@example.com');
  await relay.start(system.instances.port);
  // A second gateway whose way to the instances subgraph goes through the relay, with a short keepalive.
  gateway = await startGateway(
    loadGatewayConfig(
      {
        ...system.cdcEnv,
        JWKS_URL: `http://localhost:${system.users.port}/.well-known/jwks.json`,
        SUBGRAPH_USERS_URL: system.users.url,
        SUBGRAPH_CATALOG_URL: system.catalog.url,
        SUBGRAPH_INSTANCES_URL: `http://127.0.0.1:${relay.port}/graphql`,
        WS_UPSTREAM_KEEPALIVE_MS: '500',
      },
      [],
    ),
    createLogger({ service: 'gateway', level: 'silent' }),
  );
});
afterAll(async () => {
  await gateway.stop();
  relay.stop();
  await system.stop();
});

describe('a subgraph socket that goes silent (half-open)', () => {
  test('ends its subscriptions with a clear error instead of hanging them', async () => {
    const probe = new SubscriptionProbe(gateway.url, { token: ann.accessToken }).subscribe('subscription { instanceEvents { type } }');
    // The upstream socket opens on subscribe; wait until it is through the relay, then silence it.
    for (let i = 0; i < 100 && relay.pairs.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    expect(relay.pairs.length).toBeGreaterThan(0);
    relay.silence();
    await probe.until(() => probe.completed, 5000);
    expect(probe.results.at(-1)?.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/instances subgraph .*subscribe again/),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    await probe.close();
  });
});

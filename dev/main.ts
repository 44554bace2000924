import { ConfigError } from '../kernel/config.ts';
import { createLogger } from '../kernel/log.ts';
import { start as startGateway } from '../gateway/src/app.ts';
import { loadGatewayConfig } from '../gateway/src/config.ts';
import { start as startBridge } from '../cdc/bridge/app.ts';
import { inProcessSink } from '../cdc/bridge/bridge.ts';
import { loadBridgeConfig } from '../cdc/bridge/config.ts';
import { start as startRelay } from '../cdc/relay/app.ts';
import { loadRelayConfig } from '../cdc/relay/config.ts';
import { loadSubgraphs } from '../subgraphs/list.ts';
import { devSigningKey } from './dev-keys.ts';
import { startEmbeddedPostgres } from './embedded-postgres.ts';
import { assertGatewayPortFree, StartupError } from './ports.ts';

/**
 * `npm start`: the whole system in one process on a machine with only Node. Every piece the
 * environment does not name is embedded: PostgreSQL under .data/, an in-process key-value store,
 * a signing key under .data/keys, mail in .data/mail/outbox.jsonl, and the built-in relay instead of
 * Debezium and Kafka. The services are the same start() functions the containers and the tests run.
 *
 * `npm run start:debezium` (Java and Maven needed): the same, with the production change path
 * instead of the relay: an Apache Kafka broker and a Kafka Connect worker with Debezium's connector,
 * started from the jars of deploy/cdc-jars (the suite's), and the bridge consuming Kafka.
 */
const env = { ...process.env };
const log = createLogger({ service: 'dev', level: env.LOG_LEVEL ?? 'info' });
const started = Date.now();
const stops: (() => Promise<unknown>)[] = [];

// PORT is the gateway's, the URL people open; every other service takes a free port of its own, so
// nothing collides with it or with each other (the log names each one).
const gatewayPort = Number(env.PORT ?? 4000);
/** A service's environment: everything but PORT, which only the gateway reads. */
const internal = () => ({ ...env, PORT: '0' });
const logLevel = env.LOG_LEVEL ?? 'info';
const withDebezium = process.argv.includes('--debezium');

try {
  await assertGatewayPortFree(gatewayPort);
  if (!env.DATABASE_URL) {
    const port = Number(env.EMBEDDED_POSTGRES_PORT ?? 5433);
    const pg = await startEmbeddedPostgres({ dataDir: '.data/postgres', port });
    env.DATABASE_URL = pg.url;
    stops.push(pg.stop);
    log.info({ port, dataDir: '.data/postgres' }, 'embedded PostgreSQL started');
  }
  env.JWT_PRIVATE_KEY ??= await devSigningKey('.data/keys/jwt-private.pem');
  let connectUrl: string | undefined;
  if (withDebezium) {
    // Loaded only here: the image runs without the jars, Maven or these modules' needs.
    const { startKafkaAndConnect } = await import('./kafka-connect.ts');
    log.info('starting Apache Kafka and Kafka Connect from .data/cdc-jars (the first run fetches them with Maven)');
    const stack = await startKafkaAndConnect();
    stops.push(stack.stop);
    env.KAFKA_BROKERS = stack.brokers;
    connectUrl = stack.connectUrl;
    log.info({ brokers: stack.brokers, connect: stack.connectUrl }, 'Kafka and Kafka Connect started');
  }
  if (!env.REDIS_URL) log.info('REDIS_URL not set: using the in-process key-value store');

  // Every subgraph of the registry, in its order; each hands the next ones what they need (JWKS_URL, CATALOG_URL).
  const urls: Record<string, string> = {};
  for (const { name, module } of await loadSubgraphs()) {
    const service = await module.start(module.loadConfig(internal()) as never, createLogger({ service: name, level: logLevel }));
    stops.unshift(service.stop);
    urls[name] = service.url;
    for (const [key, value] of Object.entries(module.provides?.(service) ?? {})) env[key] ??= value;
    env[`SUBGRAPH_${name.toUpperCase()}_URL`] ??= service.url;
  }
  // Change data capture: the relay reads the WAL and, without KAFKA_BROKERS, feeds the bridge in-process;
  // with --debezium, Debezium writes to Kafka and the bridge consumes it.
  const bridge = await startBridge(loadBridgeConfig(internal()), createLogger({ service: 'bridge', level: logLevel }));
  stops.unshift(bridge.stop);
  if (connectUrl) {
    const { registerDebezium } = await import('./debezium.ts');
    await registerDebezium({ connectUrl, databaseUrl: env.DATABASE_URL, name: 'debezium_atrium', topicPrefix: env.CDC_TOPIC_PREFIX ?? 'atrium' });
    log.info('Debezium connector running');
  } else {
    const relay = await startRelay(
      loadRelayConfig(internal()),
      createLogger({ service: 'relay', level: logLevel }),
      bridge.bridge ? inProcessSink(bridge.bridge) : undefined,
    );
    stops.unshift(relay.stop);
  }
  const gateway = await startGateway(loadGatewayConfig({ ...env, PORT: String(gatewayPort) }), createLogger({ service: 'gateway', level: logLevel }));
  stops.unshift(gateway.stop);
  log.info({ startupMs: Date.now() - started, subgraphs: urls }, `Atrium is up: open ${gateway.url} (Apollo Sandbox)`);
} catch (err) {
  // One readable line for what a newcomer can fix; the full error only for the unexpected.
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(`npm start: ${(err as Error).message ?? err}`);
  if (!(err instanceof ConfigError || err instanceof StartupError)) log.debug({ err }, 'start-up failed (LOG_LEVEL=debug shows this stack)');
  await stopAll();
  process.exit(1);
}

async function stopAll() {
  for (const stop of stops) await stop().catch((err: unknown) => log.error({ err }, 'error while stopping'));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    log.info({ signal }, 'stopping');
    await stopAll();
    process.exit(0);
  });
}

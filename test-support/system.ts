import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INTERNAL_HEADER, internalCredential } from '../kernel/internal-auth.ts';
import { createLogger } from '../kernel/log.ts';
import { start as startGateway } from '../gateway/src/app.ts';
import { loadGatewayConfig } from '../gateway/src/config.ts';
import { createUser } from '../subgraphs/users/src/user/user.commands.ts';
import { loadSubgraphs, type SUBGRAPHS, type SubgraphName } from '../subgraphs/list.ts';
import { generateSigningKey } from '../dev/dev-keys.ts';
import { start as startBridge } from '../cdc/bridge/app.ts';
import { inProcessSink } from '../cdc/bridge/bridge.ts';
import { loadBridgeConfig } from '../cdc/bridge/config.ts';
import { start as startRelay } from '../cdc/relay/app.ts';
import { loadRelayConfig } from '../cdc/relay/config.ts';
import { createTestDatabase } from './database.ts';
import { registerDebezium } from '../dev/debezium.ts';
import { GraphQLClient } from './graphql-client.ts';

export type System = Awaited<ReturnType<typeof startSystem>>;

/** NODE_ENV=production and what production requires to start; SMTP is named but no mail is sent. */
export const PRODUCTION_ENV: Record<string, string> = {
  NODE_ENV: 'production',
  SMTP_URL: 'smtp://127.0.0.1:2525',
  MIGRATE_ON_START: 'true',
  MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

/**
 * The system under test, as `npm start` wires it but on free ports: a fresh database, a Redis key
 * prefix of its own, a fresh signing key and a mail outbox file per test file.
 */
type Registered = (typeof SUBGRAPHS)[number];
/** Each subgraph's running service, typed from its module in the registry. */
type Services = { [N in SubgraphName]: Awaited<ReturnType<Awaited<ReturnType<Extract<Registered, { name: N }>['load']>>['default']['start']>> };

export async function startSystem(env: Record<string, string> = {}, opts: { cdc?: 'kafka' | 'in-process' | 'debezium' } = {}) {
  const db = await createTestDatabase();
  const runId = randomBytes(4).toString('hex');
  const outbox = join(await mkdtemp(join(tmpdir(), 'atrium-mail-')), 'outbox.jsonl');
  const base: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: `atrium-test:${runId}:`,
    CDC_TOPIC_PREFIX: `t${runId}`,
    BRIDGE_GROUP_ID: `bridge-${runId}`,
    BRIDGE_DLQ_TOPIC: `t${runId}.dlq`,
    RELAY_SLOT: `relay_${runId}`,
    RELAY_PUBLICATION: `relay_${runId}`,
    JWT_PRIVATE_KEY: generateSigningKey().privateKey,
    INTERNAL_SECRET: randomBytes(32).toString('base64url'),
    MAIL_OUTBOX: outbox,
    BCRYPT_COST: '4',
    PORT: '0',
    SEED_DEMO_CATALOG: 'false',
    // Journeys sign in far more often than people do; the rate-limit test sets its own budgets.
    RATE_LIMIT_AUTH: '100000',
    RATE_LIMIT_ANONYMOUS: '100000',
    RATE_LIMIT_USER: '100000',
    ...env,
  };
  const logger = createLogger({ service: 'test', level: base.LOG_LEVEL });
  // Every subgraph of the registry, in its order; each hands the next ones what they need (JWKS_URL, CATALOG_URL).
  const services = {} as Services;
  const wired: Record<string, string | undefined> = { ...base };
  const urls: Record<string, string> = {};
  for (const { name, module } of await loadSubgraphs()) {
    const service = await module.start(module.loadConfig(wired) as never, logger.child({ service: name }));
    (services as Record<string, unknown>)[name] = service;
    urls[`SUBGRAPH_${name.toUpperCase()}_URL`] = service.url;
    Object.assign(wired, module.provides?.(service));
  }
  const gateway = await startGateway(loadGatewayConfig({ ...wired, ...urls }, []), logger.child({ service: 'gateway' }));

  /**
   * Change data capture as in production (Debezium on Kafka Connect -> Kafka -> bridge -> Redis), or
   * with the built-in relay in Debezium's place, over Kafka or in-process as in npm start.
   */
  const cdcEnv = { ...base, KAFKA_BROKERS: opts.cdc === 'kafka' || opts.cdc === 'debezium' ? process.env.KAFKA_BROKERS : undefined };
  let cdc: { stop(): Promise<void> } | undefined;
  const startCdc = async () => {
    if (!opts.cdc) return;
    if (opts.cdc === 'debezium') {
      const connectUrl = process.env.KAFKA_CONNECT_URL;
      if (!connectUrl) throw new Error('KAFKA_CONNECT_URL is not set: run the journeys through `npm test`, which starts Kafka Connect');
      const bridge = await startBridge(loadBridgeConfig(cdcEnv), logger.child({ service: 'bridge' }));
      const connector = await registerDebezium({ connectUrl, databaseUrl: db.url, name: `debezium_${runId}`, topicPrefix: `t${runId}` });
      cdc = {
        async stop() {
          await connector.remove();
          await bridge.stop();
        },
      };
      return;
    }
    const bridge = await startBridge(loadBridgeConfig(cdcEnv), logger.child({ service: 'bridge' }));
    const relay = await startRelay(
      loadRelayConfig(cdcEnv),
      logger.child({ service: 'relay' }),
      bridge.bridge ? inProcessSink(bridge.bridge) : undefined,
    );
    cdc = {
      async stop() {
        await relay.stop();
        await bridge.stop();
      },
    };
  };
  await startCdc();

  return {
    gatewayUrl: gateway.url,
    cdcTopicPrefix: `t${runId}`,
    /** The relay's and bridge's environment, for tests that start another copy. */
    cdcEnv,
    /** Stops the relay and the bridge and starts them again, as a crash and restart would; `whileStopped` runs in between. */
    async restartCdc(whileStopped?: () => Promise<void>) {
      await cdc?.stop();
      await whileStopped?.();
      await startCdc();
    },
    ...services,
    gateway,
    client: (opts?: ConstructorParameters<typeof GraphQLClient>[1]) => new GraphQLClient(gateway.url, opts),
    /** The gateway's credential, for tests that call a subgraph directly as the gateway would. */
    internalHeaders: () => ({ [INTERNAL_HEADER]: internalCredential(base.INTERNAL_SECRET as string)() }),
    /** Every mail sent so far, oldest first. */
    async mails(): Promise<{ to: string; subject: string; text: string }[]> {
      const text = await readFile(outbox, 'utf8').catch(() => '');
      return text.trim() ? text.trim().split('\n').map((line) => JSON.parse(line)) : [];
    },
    /** An account straight in the database (the CLI's path), for tests that need an admin. */
    async createUser(email: string, password: string, opts: { admin?: boolean; name?: string } = {}) {
      return createUser(services.users.deps.orm.em.fork(), { email, password, bcryptCost: Number(base.BCRYPT_COST), ...opts });
    },
    /** Stops what is running now, including services a test restarted in place. */
    async stop() {
      await cdc?.stop();
      await this.gateway.stop();
      for (const name of Object.keys(services).reverse()) await (this as unknown as Record<string, { stop(): Promise<void> }>)[name]?.stop();
      await db.drop();
    },
  };
}

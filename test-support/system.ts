import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../kernel/log.ts';
import { start as startGateway } from '../gateway/src/app.ts';
import { loadGatewayConfig } from '../gateway/src/config.ts';
import { start as startCatalog } from '../subgraphs/catalog/src/app.ts';
import { loadCatalogConfig } from '../subgraphs/catalog/src/config.ts';
import { start as startInstances } from '../subgraphs/instances/src/app.ts';
import { loadInstancesConfig } from '../subgraphs/instances/src/config.ts';
import { start as startUsers } from '../subgraphs/users/src/app.ts';
import { loadUsersConfig } from '../subgraphs/users/src/config.ts';
import { createUser } from '../subgraphs/users/src/user/user.commands.ts';
import { generateSigningKey } from '../dev/dev-keys.ts';
import { createTestDatabase } from './database.ts';
import { GraphQLClient } from './graphql-client.ts';

export type System = Awaited<ReturnType<typeof startSystem>>;

/**
 * The system under test, as `npm start` wires it but on free ports: a fresh database, a Redis key
 * prefix of its own, a fresh signing key and a mail outbox file per test file.
 */
export async function startSystem(env: Record<string, string> = {}) {
  const db = await createTestDatabase();
  const outbox = join(await mkdtemp(join(tmpdir(), 'atrium-mail-')), 'outbox.jsonl');
  const base: Record<string, string | undefined> = {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    REDIS_URL: process.env.REDIS_URL,
    REDIS_PREFIX: `atrium-test:${randomBytes(4).toString('hex')}:`,
    JWT_PRIVATE_KEY: generateSigningKey().privateKey,
    MAIL_OUTBOX: outbox,
    BCRYPT_COST: '4',
    PORT: '0',
    SEED_DEMO_CATALOG: 'false',
    ...env,
  };
  const logger = createLogger({ service: 'test', level: base.LOG_LEVEL });
  const users = await startUsers(loadUsersConfig(base), logger.child({ service: 'users' }));
  const withJwks = { ...base, JWKS_URL: `http://localhost:${users.port}/.well-known/jwks.json` };
  const catalog = await startCatalog(loadCatalogConfig(withJwks), logger.child({ service: 'catalog' }));
  const instances = await startInstances(loadInstancesConfig({ ...withJwks, CATALOG_URL: catalog.url }), logger.child({ service: 'instances' }));
  const gateway = await startGateway(
    loadGatewayConfig(
      { ...withJwks, SUBGRAPH_USERS_URL: users.url, SUBGRAPH_CATALOG_URL: catalog.url, SUBGRAPH_INSTANCES_URL: instances.url },
      [],
    ),
    logger.child({ service: 'gateway' }),
  );

  return {
    gatewayUrl: gateway.url,
    users,
    catalog,
    instances,
    gateway,
    client: (opts?: ConstructorParameters<typeof GraphQLClient>[1]) => new GraphQLClient(gateway.url, opts),
    /** Every mail sent so far, oldest first. */
    async mails(): Promise<{ to: string; subject: string; text: string }[]> {
      const text = await readFile(outbox, 'utf8').catch(() => '');
      return text.trim() ? text.trim().split('\n').map((line) => JSON.parse(line)) : [];
    },
    async lastMailTo(email: string) {
      const mail = (await this.mails()).filter((m) => m.to === email.toLowerCase()).at(-1);
      if (!mail) throw new Error(`No mail to ${email}`);
      return mail;
    },
    /** An account straight in the database (the CLI's path), for tests that need an admin. */
    async createUser(email: string, password: string, opts: { admin?: boolean; name?: string } = {}) {
      return createUser(users.deps.orm.em.fork(), { email, password, bcryptCost: Number(base.BCRYPT_COST), ...opts });
    },
    async stop() {
      await gateway.stop();
      await instances.stop();
      await catalog.stop();
      await users.stop();
      await db.drop();
    },
  };
}

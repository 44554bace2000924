import { internalSecretOf } from '../kernel/config.ts';
import { internalCredential } from '../kernel/internal-auth.ts';
import { createLogger } from '../kernel/log.ts';
import { createTestDatabase } from '../test-support/database.ts';
import { Agent } from '../subgraphs/catalog/src/agent/agent.entity.ts';
import { start as startCatalog } from '../subgraphs/catalog/src/app.ts';
import { loadCatalogConfig } from '../subgraphs/catalog/src/config.ts';
import { federatedAgentDirectory } from '../subgraphs/instances/src/instance/agent-directory.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const credential = internalCredential(internalSecretOf({}));

describe('asking the catalog whether an agent is active', () => {
  // A real catalog subgraph on its own database: the directory speaks federation's _entities to it.
  let catalog: Awaited<ReturnType<typeof startCatalog>>;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    db = await createTestDatabase();
    catalog = await startCatalog(loadCatalogConfig({ DATABASE_URL: db.url, PORT: '0', SEED_DEMO_CATALOG: 'false' }), logger);
    const em = catalog.deps.orm.em.fork();
    const active = em.create(Agent, { slug: 'live', name: 'Live', description: 'd', category: 'c' });
    const archived = em.create(Agent, { slug: 'gone', name: 'Gone', description: 'd', category: 'c', active: false });
    await em.flush();
    ids.active = active.id;
    ids.archived = archived.id;
  });
  afterAll(async () => {
    await catalog.stop();
    await db.drop();
  });

  test('an active agent is active; an archived or unknown one is not', async () => {
    const directory = federatedAgentDirectory(catalog.url, credential, logger);
    expect(await directory.isActive(ids.active!)).toBe(true);
    expect(await directory.isActive(ids.archived!)).toBe(false);
    expect(await directory.isActive('00000000-0000-4000-8000-000000000000')).toBe(false);
  });

  test('a catalog that does not answer is a clear error, never a silent "inactive"', async () => {
    const directory = federatedAgentDirectory('http://127.0.0.1:1/graphql', credential, logger);
    await expect(directory.isActive(ids.active!)).rejects.toMatchObject({
      message: 'The catalog is unavailable; try again shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  test('a catalog refuses a lookup without the internal credential', async () => {
    const directory = federatedAgentDirectory(catalog.url, () => 'v1.1.forged', logger);
    await expect(directory.isActive(ids.active!)).rejects.toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
  });
});

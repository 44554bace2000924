import { createLogger } from '../kernel/log.ts';
import { createTestDatabase, withClient } from '../test-support/database.ts';
import { start as startCatalog } from '../subgraphs/catalog/src/app.ts';
import { loadCatalogConfig } from '../subgraphs/catalog/src/config.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const readyOf = async (url: string) => {
  const res = await fetch(url.replace(/\/graphql$/, '/ready'));
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } };
};

describe("a subgraph's readiness checks its database is the expected one", () => {
  test('a database without the migrations (a mistyped DATABASE_URL) is not ready, and says why', async () => {
    const db = await createTestDatabase();
    const catalog = await startCatalog(loadCatalogConfig({ DATABASE_URL: db.url, PORT: '0', MIGRATE_ON_START: 'false', SEED_DEMO_CATALOG: 'false' }), logger);
    try {
      const { status, body } = await readyOf(catalog.url);
      expect(status).toBe(503);
      expect(body.checks.postgres).toMatch(/^failing: schema catalog has no migrations: wrong database, or run `npm run cli -- migrate:up`/);
    } finally {
      await catalog.stop();
      await db.drop();
    }
  });

  test('a missing migration is named; once applied, the subgraph is ready', async () => {
    const db = await createTestDatabase();
    const config = loadCatalogConfig({ DATABASE_URL: db.url, PORT: '0', SEED_DEMO_CATALOG: 'false' });
    const catalog = await startCatalog(config, logger);
    try {
      expect((await readyOf(catalog.url)).status).toBe(200);
      const [last] = await withClient(db.url, async (c) =>
        (await c.query('delete from catalog.mikro_orm_migrations where id = (select max(id) from catalog.mikro_orm_migrations) returning name')).rows,
      );
      const { status, body } = await readyOf(catalog.url);
      expect(status).toBe(503);
      expect(body.checks.postgres).toMatch(/^failing: 1 migration\(s\) of schema catalog not applied: /);
      expect(body.checks.postgres).toContain(String(last.name).replace(/\.[jt]s$/, ''));
    } finally {
      await catalog.stop();
      await db.drop();
    }
  });
});

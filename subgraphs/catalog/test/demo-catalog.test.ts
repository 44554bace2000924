import { internalSecretOf } from '../../../kernel/config.ts';
import { INTERNAL_HEADER, internalCredential } from '../../../kernel/internal-auth.ts';
import { createLogger } from '../../../kernel/log.ts';
import { createTestDatabase } from '../../../test-support/database.ts';
import { start } from '../src/app.ts';
import { loadCatalogConfig } from '../src/config.ts';

const logger = createLogger({ service: 'catalog', level: 'silent' });
const agentsOf = async (url: string) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_HEADER]: internalCredential(internalSecretOf({}))() },
    body: JSON.stringify({ query: '{ agents { slug } }' }), });
  return ((await res.json()) as { data: { agents: { slug: string }[] } }).data.agents.map((a) => a.slug);
};

describe('the demo catalog', () => {
  test('an empty catalog is seeded in development, once, and restarts add nothing', async () => {
    const db = await createTestDatabase();
    const config = loadCatalogConfig({ DATABASE_URL: db.url, PORT: '0', NODE_ENV: 'development' });
    try {
      const first = await start(config, logger);
      expect(await agentsOf(first.url)).toEqual(['support-agent', 'job-scout', 'research-assistant']);
      await first.stop();
      const second = await start(config, logger);
      expect(await agentsOf(second.url)).toHaveLength(3);
      await second.stop();
    } finally {
      await db.drop();
    }
  });

  test('production starts with an empty catalog and applies no migrations by itself', async () => {
    const config = loadCatalogConfig({ DATABASE_URL: 'postgres://x@127.0.0.1:1/none', NODE_ENV: 'production', INTERNAL_SECRET: 'x'.repeat(32) });
    expect(config).toMatchObject({ seedDemoCatalog: false, migrateOnStart: false });
  });
});

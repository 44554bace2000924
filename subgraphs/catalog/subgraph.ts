import { defineSubgraph } from '../../kernel/subgraph-module.ts';
import type { start } from './src/app.ts';
import { loadCatalogConfig } from './src/config.ts';

/** The catalog subgraph as the rest of the system sees it (kernel/subgraph-module.ts). */
export default defineSubgraph<ReturnType<typeof loadCatalogConfig>, Awaited<ReturnType<typeof start>>>({
  name: 'catalog',
  loadConfig: loadCatalogConfig,
  start: async (config, logger) => (await import('./src/app.ts')).start(config, logger),
  loadOrm: async () => (await import('./src/orm.ts')).catalogOrm,
  provides: (service) => ({ CATALOG_URL: service.url }),
  calls: {
    users: 'JWKS_URL: verifies access tokens',
  },
});

import { defineSubgraph } from '../../kernel/subgraph-module.ts';
import type { start } from './src/app.ts';
import { loadInstancesConfig } from './src/config.ts';
import { CAPTURE } from './src/events/capture.ts';

/** The instances subgraph as the rest of the system sees it (kernel/subgraph-module.ts). */
export default defineSubgraph<ReturnType<typeof loadInstancesConfig>, Awaited<ReturnType<typeof start>>>({
  name: 'instances',
  loadConfig: loadInstancesConfig,
  start: async (config, logger) => (await import('./src/app.ts')).start(config, logger),
  loadOrm: async () => (await import('./src/orm.ts')).instancesOrm,
  capture: CAPTURE,
  calls: {
    users: 'JWKS_URL: verifies access tokens',
    catalog: 'CATALOG_URL: whether an agent is active (`_entities`)',
  },
});

import { defineSubgraph } from '../../kernel/subgraph-module.ts';
import type { start } from './src/app.ts';
import { loadConversationsConfig } from './src/config.ts';
import { CAPTURE } from './src/events/capture.ts';

/** The conversations subgraph as the rest of the system sees it (kernel/subgraph-module.ts). */
export default defineSubgraph<ReturnType<typeof loadConversationsConfig>, Awaited<ReturnType<typeof start>>>({
  name: 'conversations',
  loadConfig: loadConversationsConfig,
  start: async (config, logger) => (await import('./src/app.ts')).start(config, logger),
  loadOrm: async () => (await import('./src/orm.ts')).conversationsOrm,
  capture: CAPTURE,
  calls: {
    users: 'JWKS_URL: verifies access tokens; USERS_URL: whether participants exist (`_entities`)',
  },
});

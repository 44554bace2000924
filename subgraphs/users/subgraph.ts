import { defineSubgraph } from '../../kernel/subgraph-module.ts';
import type { start } from './src/app.ts';
import { loadUsersConfig } from './src/config.ts';

/** The users subgraph as the rest of the system sees it (kernel/subgraph-module.ts). */
export default defineSubgraph<ReturnType<typeof loadUsersConfig>, Awaited<ReturnType<typeof start>>>({
  name: 'users',
  loadConfig: loadUsersConfig,
  start: async (config, logger) => (await import('./src/app.ts')).start(config, logger),
  loadOrm: async () => (await import('./src/orm.ts')).usersOrm,
  provides: (service) => ({ JWKS_URL: `http://localhost:${service.port}/.well-known/jwks.json`, USERS_URL: service.url }),
});

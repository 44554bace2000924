import { env, loadConfig, subgraphEnv, type Env } from '../../../kernel/config.ts';

const schema = subgraphEnv.extend({
  PORT: env.port(4002),
  /** Fill an empty catalog with demo agents; on by default outside production. */
  SEED_DEMO_CATALOG: env.bool.optional(),
});

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

export function loadCatalogConfig(source: Env = process.env) {
  const config = loadConfig(schema, source, ['INTERNAL_SECRET']);
  const production = config.NODE_ENV === 'production';
  return {
    ...config,
    production,
    seedDemoCatalog: config.SEED_DEMO_CATALOG ?? !production,
    migrateOnStart: config.MIGRATE_ON_START ?? !production,
  };
}

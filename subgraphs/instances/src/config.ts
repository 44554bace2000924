import { z } from 'zod';
import { env, loadConfig, subgraphEnv, type Env } from '../../../kernel/config.ts';

const schema = subgraphEnv.extend({
  PORT: env.port(4003),
  /** The catalog subgraph, asked through federation's entity protocol whether an agent is active. */
  CATALOG_URL: env.url.default('http://localhost:4002/graphql'),
  MAX_INSTANCES_PER_USER: z.coerce.number().int().min(1).default(100),
  MAX_CONFIG_BYTES: z.coerce.number().int().min(2).default(16_384),
  MAX_ENTRY_CHARS: z.coerce.number().int().min(1).default(100_000),
});

export type InstancesConfig = ReturnType<typeof loadInstancesConfig>;

export function loadInstancesConfig(source: Env = process.env) {
  const config = loadConfig(schema, source, ['INTERNAL_SECRET']);
  const production = config.NODE_ENV === 'production';
  return { ...config, production, migrateOnStart: config.MIGRATE_ON_START ?? !production };
}

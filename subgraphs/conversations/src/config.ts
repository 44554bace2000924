import { z } from 'zod';
import { env, loadConfig, subgraphEnv, type Env } from '../../../kernel/config.ts';

const schema = subgraphEnv.extend({
  PORT: env.port(4004),
  /** The users subgraph, asked through federation's entity protocol whether a participant exists. */
  USERS_URL: env.url.default('http://localhost:4001/graphql'),
  MAX_MESSAGE_CHARS: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
  MAX_PARTICIPANTS: z.coerce.number().int().min(2).max(1000).default(50),
});

export type ConversationsConfig = ReturnType<typeof loadConversationsConfig>;

export function loadConversationsConfig(source: Env = process.env) {
  const config = loadConfig(schema, source, ['INTERNAL_SECRET']);
  const production = config.NODE_ENV === 'production';
  return { ...config, production, migrateOnStart: config.MIGRATE_ON_START ?? !production };
}

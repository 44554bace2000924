import { z } from 'zod';
import { cdcEnv } from '../config.ts';
import { env, loadConfig, type Env } from '../../kernel/config.ts';

const schema = cdcEnv.extend({
  DATABASE_URL: env.postgresUrl,
  RELAY_SLOT: z.string().regex(/^[a-z0-9_]+$/, 'lower-case letters, digits and _ only').default('atrium_relay'),
  RELAY_PUBLICATION: z.string().regex(/^[a-z0-9_]+$/).default('atrium_relay'),
});

export type RelayConfig = ReturnType<typeof loadRelayConfig>;

export function loadRelayConfig(source: Env = process.env) {
  return loadConfig(schema, source);
}

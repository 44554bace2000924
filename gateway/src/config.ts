import { z } from 'zod';
import { ConfigError, env, loadConfig, serviceEnv, type Env } from '../../kernel/config.ts';

const schema = serviceEnv.extend({
  PORT: env.port(4000),
  /** The supergraph to serve; `--supergraph FILE` on the command line wins. */
  SUPERGRAPH_PATH: z.string().default('schema/supergraph.graphql'),
  /** Browser origins allowed to call with credentials, comma-separated. */
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((o) => o.trim()).filter(Boolean) : undefined)),
  /** Subgraph requests that take longer fail with a clear error instead of hanging the client. */
  SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
});

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

/** `SUBGRAPH_<NAME>_URL` overrides the URL the supergraph names for that subgraph (containers, clusters). */
function subgraphUrlOverrides(source: Env): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    const match = /^SUBGRAPH_([A-Z0-9_]+)_URL$/.exec(key);
    if (!match?.[1] || !value) continue;
    if (!z.url().safeParse(value).success) throw new ConfigError([`${key}: must be a URL`]);
    overrides[match[1].toLowerCase()] = value;
  }
  return overrides;
}

export function loadGatewayConfig(source: Env = process.env, argv: string[] = process.argv.slice(2)) {
  const flag = argv.indexOf('--supergraph');
  const fromFlag = flag >= 0 ? argv[flag + 1] : undefined;
  const config = loadConfig(schema, source);
  const production = config.NODE_ENV === 'production';
  return {
    ...config,
    production,
    supergraphPath: fromFlag ?? config.SUPERGRAPH_PATH,
    subgraphUrls: subgraphUrlOverrides(source),
    corsOrigins: config.CORS_ORIGINS ?? (production ? [] : [/^https?:\/\/localhost(:\d+)?$/]),
  };
}

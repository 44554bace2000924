import { z } from 'zod';
import { changeLogEnv } from '../cdc/delivery/settings.ts';

/** Raised when the environment does not describe a runnable service; lists every bad variable. */
export class ConfigError extends Error {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export type Env = Record<string, string | undefined>;

/**
 * Reads the environment once, through a zod schema, so every service gets a typed config object
 * and a bad value stops start-up with a message that names the variable.
 */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Env = process.env,
  /** Variables that must be set when NODE_ENV=production; reported together with every other problem. */
  requiredInProduction: string[] = [],
): z.infer<S> {
  // Empty strings mean "unset", as in a .env file with `KEY=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'}: ${i.message}`);
  // Every problem at once: a missing secret must not hide a bad URL, nor the other way round.
  if (cleaned.NODE_ENV === 'production') {
    for (const key of requiredInProduction) {
      if (cleaned[key] === undefined && !problems.some((p) => p.startsWith(`${key}:`))) problems.push(`${key}: required when NODE_ENV=production`);
    }
  }
  if (problems.length || !parsed.success) throw new ConfigError(problems);
  return parsed.data;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Building blocks shared by every service's schema. */
export const env = {
  nodeEnv: z.enum(['development', 'test', 'production']).default('development'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  url: z.url(),
  postgresUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  redisUrl: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
  bool,
  seconds: (fallback: number) => z.coerce.number().int().positive().default(fallback),
};

/** The settings every service shares: how it runs, logs and verifies access tokens. */
export const serviceEnv = z.object({
  NODE_ENV: env.nodeEnv,
  LOG_LEVEL: env.logLevel,
  /**
   * The address a service's HTTP server binds. Loopback by default, so `npm start` and a service
   * run on a laptop are not reachable from the network; containers set 0.0.0.0 (docker-compose.yml,
   * k8s/config.yaml), since their port is reached through the container's own interface.
   */
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]+$/, 'must be an address or host name to bind, e.g. 127.0.0.1 or 0.0.0.0')
    .default('127.0.0.1'),
  /** Where the users subgraph publishes its signing keys; the gateway and subgraphs verify with them. */
  JWKS_URL: env.url.default('http://localhost:4001/.well-known/jwks.json'),
  JWT_ISSUER: z.string().default('atrium'),
  JWT_AUDIENCE: z.string().default('atrium'),
  /**
   * Shared by the gateway and the subgraphs: the gateway signs every subgraph call with it, and a
   * subgraph refuses calls without that signature (kernel/internal-auth.ts). Required in production.
   */
  INTERNAL_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
});

/** Outside production a fixed secret keeps `npm run <service>` working with no set-up; production must name its own. */
const DEVELOPMENT_INTERNAL_SECRET = 'atrium-development-only-internal-secret';

/** The secret the gateway signs subgraph calls with (see {@link serviceEnv}). */
export const internalSecretOf = (config: { INTERNAL_SECRET?: string | undefined }) =>
  config.INTERNAL_SECRET ?? DEVELOPMENT_INTERNAL_SECRET;

/** The settings of a subgraph: its port, its database and (optionally) Redis. */
export const subgraphEnv = serviceEnv.extend({
  DATABASE_URL: env.postgresUrl,
  REDIS_URL: env.redisUrl.optional(),
  REDIS_PREFIX: z.string().default('atrium:'),
  /** Apply pending migrations on start; on by default outside production. */
  MIGRATE_ON_START: bool.optional(),
  ...changeLogEnv,
});

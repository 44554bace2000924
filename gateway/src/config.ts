import { z } from 'zod';
import { ConfigError, env, loadConfig, serviceEnv, type Env } from '../../kernel/config.ts';

const count = (fallback: number) => z.coerce.number().int().min(1).default(fallback);

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
  /**
   * Proxies in front of the gateway whose X-Forwarded-For is believed: a hop count (1 behind one
   * ingress) or addresses/subnets. Unset: none, the socket's address is the client's.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v) => (v === undefined ? false : /^\d+$/.test(v) ? Number(v) : v)),
  /**
   * Subgraphs whose answers never depend on who asks, comma-separated: subscription events share
   * one fetch to them among all subscribers. Only list subgraphs that never scope by caller.
   */
  PUBLIC_SUBGRAPHS: z
    .string()
    .default('catalog')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  /** Shared store for the APQ cache and rate limits; in-process when unset (npm start). */
  REDIS_URL: env.redisUrl.optional(),
  REDIS_PREFIX: z.string().default('atrium:'),
  /** The partner safelist; reloaded when the file changes. */
  PERSISTED_QUERIES_PATH: z.string().default('schema/persisted-queries.json'),
  /** Where API keys are traded for partner tokens; default: the users subgraph's /internal/api-keys/token. */
  API_KEY_EXCHANGE_URL: env.url.optional(),
  MAX_DEPTH: count(12),
  MAX_ALIASES: count(30),
  MAX_ROOT_FIELDS: count(10),
  MAX_DIRECTIVES: count(20),
  MAX_TOKENS: count(5000),
  /** Demand-control cost (see docs/developers.md): four levels of unsized lists pass, a fifth does not. */
  MAX_COST: count(50_000),
  /** Size of a list that no slicing argument or `@listSize` sizes. */
  DEFAULT_LIST_SIZE: count(10),
  MAX_BODY_BYTES: count(102_400),
  /** Operations per batched HTTP request; 0 turns batching off. */
  MAX_BATCH: z.coerce.number().int().min(0).max(50).default(0),
  /** Caps per gateway replica on what one caller may hold open over graphql-ws; see docs/subscriptions.md. */
  WS_MAX_SUBSCRIPTIONS_PER_SOCKET: count(100),
  WS_MAX_SUBSCRIPTIONS_PER_USER: count(500),
  WS_MAX_SOCKETS_PER_USER: count(50),
  WS_MAX_SOCKETS_PER_ADDRESS: count(1000),
  /** Events one subscriber may have waiting (being resolved or unsent); past it the stream ends with LIMIT_EXCEEDED. */
  WS_MAX_BUFFERED_EVENTS: count(256),
  /** Ping interval of the gateway's sockets to subgraphs: a half-open one is ended after 1.5 times this. */
  WS_UPSTREAM_KEEPALIVE_MS: count(10_000),
  /** How often open sockets are checked against the shared store's revocations (the bus closes them sooner). */
  REVOCATION_SWEEP_MS: count(500),
  RATE_LIMIT_WINDOW: env.seconds(60),
  RATE_LIMIT_ANONYMOUS: count(300),
  RATE_LIMIT_USER: count(1200),
  RATE_LIMIT_PARTNER: count(3000),
  RATE_LIMIT_AUTH: count(30),
  /** New automatic persisted queries one caller (API key, user or address) may register per window. */
  RATE_LIMIT_APQ: count(100),
  /** How long a registered automatic persisted query is kept after it was last registered. */
  APQ_TTL: env.seconds(86_400),
  /** The largest query that may be registered as an automatic persisted query (never more than MAX_BODY_BYTES). */
  APQ_MAX_QUERY_BYTES: count(32_768),
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
  // Replicas share APQ, rate limits and revoked sessions through Redis; memory would split them.
  const config = loadConfig(schema, source, ['REDIS_URL', 'INTERNAL_SECRET']);
  const production = config.NODE_ENV === 'production';
  return {
    ...config,
    production,
    supergraphPath: fromFlag ?? config.SUPERGRAPH_PATH,
    subgraphUrls: subgraphUrlOverrides(source),
    publicSubgraphs: config.PUBLIC_SUBGRAPHS,
    corsOrigins: config.CORS_ORIGINS ?? (production ? [] : [/^https?:\/\/localhost(:\d+)?$/]),
    limits: {
      maxDepth: config.MAX_DEPTH,
      maxAliases: config.MAX_ALIASES,
      maxRootFields: config.MAX_ROOT_FIELDS,
      maxDirectives: config.MAX_DIRECTIVES,
      maxCost: config.MAX_COST,
      defaultListSize: config.DEFAULT_LIST_SIZE,
    },
    sockets: {
      subscriptionsPerSocket: config.WS_MAX_SUBSCRIPTIONS_PER_SOCKET,
      subscriptionsPerUser: config.WS_MAX_SUBSCRIPTIONS_PER_USER,
      socketsPerUser: config.WS_MAX_SOCKETS_PER_USER,
      socketsPerAddress: config.WS_MAX_SOCKETS_PER_ADDRESS,
    },
    rateLimits: {
      windowSeconds: config.RATE_LIMIT_WINDOW,
      anonymous: config.RATE_LIMIT_ANONYMOUS,
      user: config.RATE_LIMIT_USER,
      partner: config.RATE_LIMIT_PARTNER,
      auth: config.RATE_LIMIT_AUTH,
      apq: config.RATE_LIMIT_APQ,
    },
    apq: { ttlSeconds: config.APQ_TTL, maxQueryBytes: Math.min(config.APQ_MAX_QUERY_BYTES, config.MAX_BODY_BYTES) },
  };
}

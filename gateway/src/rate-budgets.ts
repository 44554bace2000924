import { Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';

/** Requests per window for each class of caller; sign-in and code confirmation have their own, stricter budget. */
export interface RateLimits {
  windowSeconds: number;
  anonymous: number;
  user: number;
  partner: number;
  /** Root fields of sign-in, registration and reset mutations, per address. */
  auth: number;
  /** New automatic persisted queries one caller may register. */
  apq: number;
}

/** One limiter per budget, all in the same store; `close` ends the store connection (idempotent). */
export interface RateBudgets {
  anonymous: RateLimiterAbstract;
  user: RateLimiterAbstract;
  partner: RateLimiterAbstract;
  auth: RateLimiterAbstract;
  apq: RateLimiterAbstract;
  close(): Promise<void>;
}

/** What {@link rateBudgets} reads from the gateway's configuration. */
export interface RateStoreConfig {
  REDIS_URL?: string | undefined;
  REDIS_PREFIX: string;
  rateLimits: RateLimits;
}

const NAMES = ['anonymous', 'user', 'partner', 'auth', 'apq'] as const;

// One set per configuration, so the HTTP plugin and the socket path spend the same in-memory budgets too.
const built = new WeakMap<RateStoreConfig, RateBudgets>();

/**
 * The gateway's rate budgets, built with rate-limiter-flexible: in Redis (shared by every replica)
 * when `REDIS_URL` is set, with an in-process limiter as insurance while Redis does not answer;
 * in process memory otherwise (`npm start`). Calling it again with the same configuration object
 * returns the same budgets.
 */
export function rateBudgets(config: RateStoreConfig): RateBudgets {
  const existing = built.get(config);
  if (existing) return existing;
  const { windowSeconds: duration, ...points } = config.rateLimits;
  let redis: Redis | undefined;
  if (config.REDIS_URL) {
    // A slow or absent Redis must not hold requests: short command timeout, then the insurance limiter.
    redis = new Redis(config.REDIS_URL, { keyPrefix: config.REDIS_PREFIX, maxRetriesPerRequest: 1, commandTimeout: 500 });
    // ioredis reconnects by itself; without a listener a refused connection would crash the process.
    redis.on('error', () => {});
  }
  const limiter = (name: (typeof NAMES)[number]): RateLimiterAbstract => {
    const opts = { keyPrefix: `ratelimit:${name}`, points: points[name], duration };
    return redis
      ? new RateLimiterRedis({ ...opts, storeClient: redis, insuranceLimiter: new RateLimiterMemory(opts) })
      : new RateLimiterMemory(opts);
  };
  let closed: Promise<void> | undefined;
  const budgets: RateBudgets = {
    anonymous: limiter('anonymous'),
    user: limiter('user'),
    partner: limiter('partner'),
    auth: limiter('auth'),
    apq: limiter('apq'),
    close: () => {
      built.delete(config);
      closed ??= redis ? redis.quit().then(() => undefined, () => redis?.disconnect()) : Promise.resolve();
      return closed;
    },
  };
  built.set(config, budgets);
  return budgets;
}

/**
 * Every method rejects with SERVICE_UNAVAILABLE (503) within about a second when the store is
 * down, so callers answer "try again" rather than wait, or mistake it for bad credentials.
 *
 * The small key-value contract the services need from Redis: short-lived records with a TTL,
 * single-use reads and counters. `memory.ts` serves `npm start` without Redis; `redis.ts` serves
 * every deployment with more than one process. One contract test runs against both.
 */
export interface KeyValueStore {
  get(key: string): Promise<string | null>;
  /** Several keys in one round trip, in order; missing ones are null. */
  getMany(keys: string[]): Promise<(string | null)[]>;
  /** Stores a value; with `onlyIfAbsent` it returns false (and changes nothing) when the key exists. */
  set(key: string, value: string, opts: { ttlSeconds: number; onlyIfAbsent?: boolean }): Promise<boolean>;
  /** Reads and deletes in one step, so a single-use token cannot be used twice concurrently. */
  take(key: string): Promise<string | null>;
  del(key: string): Promise<void>;
  /** Increments a counter; the first increment starts its window of `ttlSeconds`. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Seconds until the key expires; 0 when it does not exist. */
  ttl(key: string): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

import type { KeyValueStore } from './kv.ts';
import { MemoryKeyValueStore } from './memory.ts';
import { RedisKeyValueStore } from './redis.ts';

export type { KeyValueStore } from './kv.ts';

// One in-process store per process: `npm start` runs the users subgraph and the gateway side by side.
let processStore: MemoryKeyValueStore | undefined;

/** Redis when a URL is configured, else the process-wide in-memory store (development only; config enforces that). */
export function createKeyValueStore(opts: { redisUrl?: string; prefix: string }): KeyValueStore {
  if (opts.redisUrl) return new RedisKeyValueStore(opts.redisUrl, opts.prefix);
  processStore ??= new MemoryKeyValueStore();
  const shared = processStore;
  // Closing one service's handle must not empty the store the others still use.
  return {
    get: (key) => shared.get(key),
    getMany: (keys) => shared.getMany(keys),
    set: (key, value, o) => shared.set(key, value, o),
    take: (key) => shared.take(key),
    del: (key) => shared.del(key),
    increment: (key, ttl) => shared.increment(key, ttl),
    ttl: (key) => shared.ttl(key),
    ping: () => shared.ping(),
    close: async () => {},
  };
}

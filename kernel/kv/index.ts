import type { KeyValueStore } from './kv.ts';
import { MemoryKeyValueStore } from './memory.ts';
import { RedisKeyValueStore } from './redis.ts';

export type { KeyValueStore } from './kv.ts';

/** Redis when a URL is configured, else the in-process store (development only; config enforces that). */
export function createKeyValueStore(opts: { redisUrl?: string; prefix: string }): KeyValueStore {
  return opts.redisUrl ? new RedisKeyValueStore(opts.redisUrl, opts.prefix) : new MemoryKeyValueStore();
}

import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { KeyValueStore } from '../../kernel/kv/index.ts';

const DAY = 86_400;

/**
 * Apollo Server's cache interface over the shared key-value store, for automatic persisted
 * queries: Redis when configured, so every gateway replica knows every registered hash.
 */
export function apqCache(kv: KeyValueStore): KeyValueCache<string> {
  return {
    get: async (key) => (await kv.get(`apq:${key}`)) ?? undefined,
    set: async (key, value, options) => {
      await kv.set(`apq:${key}`, value, { ttlSeconds: options?.ttl ?? DAY });
    },
    delete: async (key) => {
      await kv.del(`apq:${key}`);
    },
  };
}

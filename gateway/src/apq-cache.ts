import type { ApolloServerOptions, ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { AppError } from '../../kernel/errors.ts';
import type { KeyValueStore } from '../../kernel/kv/index.ts';
import type { GatewayContext } from './context.ts';
import { callerKey, type RateBudgets, spend } from './rate-limit.ts';

/** How much the automatic persisted query store holds: each entry's size and lifetime. */
export interface ApqLimits {
  ttlSeconds: number;
  /** The largest query that may be registered, in UTF-8 bytes. */
  maxQueryBytes: number;
}

const bytesOf = (query: string) => Buffer.byteLength(query, 'utf8');

/**
 * Apollo Server's cache interface over the shared key-value store, for automatic persisted
 * queries: Redis when configured, so every gateway replica knows every registered hash. Entries
 * live at most `ttlSeconds`; a query over `maxQueryBytes` is never stored (the plugin below has
 * refused it already, this is the backstop).
 */
export function apqCache(kv: KeyValueStore, limits: ApqLimits): KeyValueCache<string> {
  return {
    get: async (key) => (await kv.get(`apq:${key}`)) ?? undefined,
    set: async (key, value, options) => {
      if (bytesOf(value) > limits.maxQueryBytes) return;
      await kv.set(`apq:${key}`, value, { ttlSeconds: Math.min(options?.ttl ?? limits.ttlSeconds, limits.ttlSeconds) });
    },
    delete: async (key) => {
      await kv.del(`apq:${key}`);
    },
  };
}

/** Apollo Server's `persistedQueries` option: the bounded store and its lifetime. */
export function apqOptions(kv: KeyValueStore, limits: ApqLimits): ApolloServerOptions<GatewayContext>['persistedQueries'] {
  return { cache: apqCache(kv, limits), ttl: limits.ttlSeconds };
}

/**
 * Bounds what one caller may add to the APQ store: a request that registers a query (hash and
 * query together) is refused with BAD_USER_INPUT (`extensions.limit: "persistedQuerySize"`) when
 * the query is over `maxQueryBytes`, and spends one unit of the caller's APQ budget (per API key,
 * user or address; RATE_LIMITED past it). Apollo stores a registration only after
 * `didResolveOperation`, so refusing there keeps it out of the store.
 */
export function apqRegistrations(budgets: RateBudgets, limits: ApqLimits): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, contextValue }) {
          if (!request.extensions?.persistedQuery || typeof request.query !== 'string') return;
          // Partner requests carry the manifest's body (safelist.ts), bounded by the manifest, not by the caller.
          if (request.http?.headers.get('x-api-key')) return;
          const bytes = bytesOf(request.query);
          if (bytes > limits.maxQueryBytes) {
            throw new AppError(
              'BAD_USER_INPUT',
              `This query is ${bytes} bytes, more than the ${limits.maxQueryBytes} a persisted query may have; send it without extensions.persistedQuery`,
              { limit: 'persistedQuerySize', http: { status: 400 } },
            );
          }
          await spend(budgets.apq, callerKey(contextValue.identity, contextValue.client.ip), 1);
        },
      };
    },
  };
}

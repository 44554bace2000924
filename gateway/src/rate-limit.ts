import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import type { KeyValueStore } from '../../kernel/kv/index.ts';
import type { GatewayContext } from './context.ts';

/** Requests per window for each class of caller; sign-in and code confirmation have their own, stricter budget. */
export interface RateLimits {
  windowSeconds: number;
  anonymous: number;
  user: number;
  partner: number;
  auth: number;
}

/** Operations that guess at secrets (passwords, mailed codes, reset tokens) draw on the stricter budget. */
const AUTH_FIELDS = new Set(['login', 'confirmRegistration', 'requestRegistration', 'requestPasswordReset', 'confirmPasswordReset']);

const touchesAuth = (operation: OperationDefinitionNode) =>
  operation.operation === 'mutation' &&
  operation.selectionSet.selections.some((s) => s.kind === Kind.FIELD && AUTH_FIELDS.has(s.name.value));

/**
 * Fixed-window counters in the shared store (Redis across replicas, memory in `npm start`): per API
 * key for partners, per user when signed in, per address otherwise. Over budget answers 429
 * RATE_LIMITED with Retry-After, before any subgraph is called.
 */
export function rateLimit(kv: KeyValueStore, limits: RateLimits): ApolloServerPlugin<GatewayContext> {
  const spend = async (key: string, budget: number) => {
    const used = await kv.increment(`ratelimit:${key}`, limits.windowSeconds);
    if (used <= budget) return;
    const retryAfter = Math.max(1, await kv.ttl(`ratelimit:${key}`));
    throw new GraphQLError(`Rate limit exceeded; retry in ${retryAfter} s`, {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfter,
        http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
      },
    });
  };
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue: ctx, operation }) {
          const who = ctx.identity;
          const ip = ctx.client.ip ?? 'unknown';
          if (operation && touchesAuth(operation)) await spend(`auth:${ip}`, limits.auth);
          if (who?.client === 'partner') await spend(`key:${who.sessionId}`, limits.partner);
          else if (who) await spend(`user:${who.userId}`, limits.user);
          else await spend(`ip:${ip}`, limits.anonymous);
        },
      };
    },
  };
}

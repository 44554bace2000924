import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { type DocumentNode, GraphQLError, type OperationDefinitionNode } from 'graphql';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Identity } from '../../kernel/auth.ts';
import { serviceUnavailable } from '../../kernel/errors.ts';
import { countAuthFields } from './auth-fields.ts';
import type { RateBudgets } from './rate-budgets.ts';
import type { GatewayContext } from './context.ts';

export { type RateBudgets, type RateLimits, rateBudgets } from './rate-budgets.ts';

/** One operation about to run, from any transport. */
export interface RateRequest {
  identity: Identity | null;
  ip: string | null;
  /** The parsed document; without one (a syntax error) only the caller's general budget is spent. */
  document?: DocumentNode | undefined;
  /** The operation to run, when the transport already picked it; else `operationName` picks it from `document`. */
  operation?: OperationDefinitionNode | undefined;
  operationName?: string | null | undefined;
}

/** 429 RATE_LIMITED with `extensions.retryAfter`; `extensions.http` gives Apollo the status and Retry-After header. */
export function rateLimitedError(retryAfterSeconds: number): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new GraphQLError(`Rate limit exceeded; retry in ${retryAfter} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfter,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(retryAfter)]]) },
    },
  });
}

/** Who pays for a budget shared by every class of caller: the API key, else the user, else the address. */
export function callerKey(identity: Identity | null, ip: string | null): string {
  if (identity?.client === 'partner') return `key:${identity.sessionId}`;
  return identity ? `user:${identity.userId}` : `ip:${ip ?? 'unknown'}`;
}

/** Spends `points` of `key`'s budget in `limiter`; throws RATE_LIMITED past it, SERVICE_UNAVAILABLE without a store. */
export async function spend(limiter: RateLimiterAbstract, key: string, points: number): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw rateLimitedError(err.msBeforeNext / 1000);
    // Only reached when the store and its in-process insurance both failed.
    throw serviceUnavailable('Rate limits cannot be checked right now; try again shortly');
  }
}

/**
 * Admits one operation against the caller's budgets, whichever transport carried it (HTTP through
 * the Apollo plugin below, graphql-ws messages through the socket binding), so both draw on the
 * same counters:
 *
 * - every auth root field (`login`, registration and reset mutations; aliases, fragments and
 *   inline fragments included) spends one unit of the per-address auth budget;
 * - the operation spends one unit of the caller's budget: per API key for partners, per user when
 *   signed in, per address otherwise.
 *
 * Counting works on documents that have not been (or will not be) validated, so call it as soon as
 * the operation is parsed. Over budget it throws {@link rateLimitedError} (429, RATE_LIMITED,
 * `extensions.retryAfter`); a transport without HTTP statuses should drop `extensions.http`.
 * If no store can count, it throws SERVICE_UNAVAILABLE.
 */
export async function admitRate(budgets: RateBudgets, request: RateRequest): Promise<void> {
  const ip = request.ip ?? 'unknown';
  const authFields = request.document || request.operation ? countAuthFields(request.document, request.operation, request.operationName) : 0;
  if (authFields > 0) await spend(budgets.auth, ip, authFields);
  const who = request.identity;
  if (who?.client === 'partner') await spend(budgets.partner, who.sessionId, 1);
  else if (who) await spend(budgets.user, who.userId, 1);
  else await spend(budgets.anonymous, ip, 1);
}

/** Keeps a refusal as a value, so a hook that must not throw can hand it to one that may. */
const asRefusal = (err: unknown) => (err instanceof GraphQLError ? err : serviceUnavailable());

/**
 * {@link admitRate} for Apollo Server: each operation pays once, at the first hook that sees it.
 * Only `didResolveOperation` may throw (elsewhere a throw becomes a 500), so a refusal found
 * earlier is kept and thrown there; an operation that never gets that far has paid anyway.
 */
export function rateLimit(budgets: RateBudgets): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart() {
      return { serverWillStop: () => budgets.close() };
    },
    async requestDidStart() {
      let verdict: Promise<GraphQLError | null> | undefined;
      const pay = (ctx: GatewayContext, document?: DocumentNode, operationName?: string | null) => {
        verdict ??= admitRate(budgets, { identity: ctx.identity, ip: ctx.client.ip, document, operationName }).then(() => null, asRefusal);
        return verdict;
      };
      return {
        // After parsing, before validation: an operation that fails validation still pays for its logins.
        async validationDidStart({ contextValue, document, request }) {
          await pay(contextValue, document, request.operationName);
        },
        // A document from Apollo's cache skips parsing and validation, so it pays here.
        async didResolveOperation({ contextValue, document, request }) {
          const refusal = await pay(contextValue, document, request.operationName);
          if (refusal) throw refusal;
        },
        // Requests that never had a document (syntax errors, unknown APQ hashes) still spend a unit.
        async didEncounterErrors({ contextValue }) {
          await pay(contextValue);
        },
      };
    },
  };
}

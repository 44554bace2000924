import type { ApolloServerPlugin } from '@apollo/server';
import type { Request, Response } from 'express';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { accessTokenFrom, type Identity, readCookie, REFRESH_COOKIE, type TokenVerifier } from '../../kernel/auth.ts';
import { clientFromRequest } from '../../kernel/identity.ts';
import type { KeyValueStore } from '../../kernel/kv/index.ts';
import { assertLive } from '../../kernel/revocation.ts';
import type { GatewayContext } from './context.ts';

/**
 * Mutations that must work with a stale or bad access token: a browser whose access cookie
 * expired still has to refresh, sign in again or sign out.
 */
const PUBLIC_AUTH_FIELDS = new Set([
  'login',
  'refreshSession',
  'logout',
  'requestRegistration',
  'confirmRegistration',
  'requestPasswordReset',
  'confirmPasswordReset',
]);

/**
 * Verifies the caller at the edge: an `X-API-Key` (partners) or an access token (header or cookie).
 * A bad credential is remembered, and refused by the plugin below.
 */
export async function authenticate(
  req: Request,
  res: Response,
  verify: TokenVerifier,
  apiKeys: (key: string) => Promise<Identity>,
  kv: KeyValueStore,
): Promise<GatewayContext> {
  const apiKey = req.get('x-api-key');
  const found = apiKey ? undefined : accessTokenFrom(req.headers);
  let identity: Identity | null = null;
  let authError: GraphQLError | null = null;
  if (apiKey || found) {
    try {
      identity = await assertLive(kv, apiKey ? await apiKeys(apiKey) : await verify((found as { token: string }).token));
    } catch (err) {
      authError = err instanceof GraphQLError ? err : new GraphQLError('Invalid credentials');
    }
  }
  return {
    identity,
    authError,
    client: clientFromRequest(req),
    refreshCookie: readCookie(req.headers.cookie, REFRESH_COOKIE),
    res,
  };
}

function onlyPublicAuthFields(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'mutation' &&
    operation.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && (PUBLIC_AUTH_FIELDS.has(s.name.value) || s.name.value === '__typename'),
    )
  );
}

/** Answers 401 UNAUTHENTICATED for a bad or expired token before any subgraph is called. */
export function rejectBadTokens(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (contextValue.authError && !(operation && onlyPublicAuthFields(operation))) {
            throw new GraphQLError(contextValue.authError.message, {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
        },
      };
    },
  };
}

import type { ApolloServerPlugin } from '@apollo/server';
import type { Request, Response } from 'express';
import { GraphQLError, Kind, type OperationDefinitionNode } from 'graphql';
import { accessTokenFrom, type Identity, readCookie, REFRESH_COOKIE, type TokenVerifier } from '../../kernel/auth.ts';
import { AppError, unauthenticated } from '../../kernel/errors.ts';
import type { KeyValueStore } from '../../kernel/kv/index.ts';
import { assertLive } from '../../kernel/revocation.ts';
import type { ClientInfo } from './client-address.ts';
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

/** What the credentials step needs, whichever transport carried the request. */
export interface Credentials {
  apiKey?: string | undefined;
  authorization?: string | undefined;
  /** The Cookie header, already dropped by the transport when the origin may not use it. */
  cookie?: string | undefined;
  client: ClientInfo;
}

export interface CredentialDeps {
  verify: TokenVerifier;
  /** Trades an API key for an identity; `beforeExchange` runs only when the users subgraph must be asked. */
  apiKeys: (key: string, beforeExchange?: () => Promise<void>) => Promise<Identity>;
  kv: KeyValueStore;
}

/**
 * Steps 1 and 2 of admission, for HTTP and the socket alike: who is calling (an `X-API-Key`, or an
 * access token from the header or cookie) and whether that session or key is still live. A bad
 * credential becomes `authError` (refused later, so public auth mutations still work with a stale
 * cookie); a store that cannot answer throws SERVICE_UNAVAILABLE, never a 401 that signs people out.
 */
export async function identify(credentials: Credentials, deps: CredentialDeps): Promise<GatewayContext> {
  const found = credentials.apiKey ? undefined : accessTokenFrom(credentials);
  let identity: Identity | null = null;
  let authError: GraphQLError | null = null;
  if (credentials.apiKey || found) {
    try {
      const verified = credentials.apiKey ? await keyFromBudgetedAddress(credentials, deps) : await deps.verify((found as { token: string }).token);
      // A partner token works only on the safelisted path, where the gateway itself traded the key for it.
      if (!credentials.apiKey && verified.client === 'partner') throw unauthenticated('Partner tokens are accepted only through X-API-Key');
      identity = await assertLive(deps.kv, verified);
    } catch (err) {
      if (err instanceof AppError && err.extensions.code === 'SERVICE_UNAVAILABLE') throw err;
      authError = err instanceof GraphQLError ? err : unauthenticated('Invalid credentials');
    }
  }
  return {
    identity,
    authError,
    client: credentials.client,
    refreshCookie: readCookie(credentials.cookie, REFRESH_COOKIE),
  };
}

/** Refused API keys one address may try per minute before its keys are refused without asking the users subgraph. */
const REFUSED_KEYS_PER_ADDRESS = 20;

/**
 * Random, well-shaped keys would each cost an exchange at the users subgraph: an address gets a
 * small budget of refusals. Only a key with no cached answer reads the budget, so known keys cost
 * no extra round trip to the store.
 */
async function keyFromBudgetedAddress(credentials: Credentials, deps: CredentialDeps): Promise<Identity> {
  const budgetKey = `refused-api-keys:${credentials.client.ip ?? 'unknown'}`;
  try {
    return await deps.apiKeys(credentials.apiKey as string, async () => {
      if (Number((await deps.kv.get(budgetKey)) ?? 0) >= REFUSED_KEYS_PER_ADDRESS) throw unauthenticated('Invalid or revoked API key');
    });
  } catch (err) {
    if (err instanceof AppError && err.extensions.code === 'UNAUTHENTICATED') await deps.kv.increment(budgetKey, 60);
    throw err;
  }
}

/** The HTTP binding of {@link identify}: headers of the request, the response for sign-in cookies. */
export async function authenticate(
  req: Request,
  res: Response,
  deps: CredentialDeps,
  clientOf: (req: Request) => ClientInfo,
): Promise<GatewayContext> {
  const context = await identify(
    { apiKey: req.get('x-api-key'), authorization: req.get('authorization'), cookie: req.get('cookie'), client: clientOf(req) },
    deps,
  );
  return { ...context, res };
}

/** True for a mutation that selects only public auth fields (sign-in, refresh, sign-out...). */
function onlyPublicAuthFields(operation: OperationDefinitionNode): boolean {
  return (
    operation.operation === 'mutation' &&
    operation.selectionSet.selections.every(
      (s) => s.kind === Kind.FIELD && (PUBLIC_AUTH_FIELDS.has(s.name.value) || s.name.value === '__typename'),
    )
  );
}

/** The refusal of a bad credential, unless the operation is a public auth mutation; the same on both transports. */
export function credentialRefusal(context: GatewayContext, operation: OperationDefinitionNode | undefined | null): GraphQLError | null {
  if (!context.authError || (operation && onlyPublicAuthFields(operation))) return null;
  const code = context.authError.extensions.code === 'FORBIDDEN' ? 'FORBIDDEN' : 'UNAUTHENTICATED';
  return new GraphQLError(context.authError.message, { extensions: { code, http: { status: code === 'FORBIDDEN' ? 403 : 401 } } });
}

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', http: { status: 400 } } });

/**
 * Answers 400 for a document whose operation cannot be chosen (unknown or ambiguous
 * `operationName`) or is a subscription (served on the socket), then 401 UNAUTHENTICATED (403 for
 * a disabled account) for a bad token, before any subgraph is called.
 */
export function rejectBadTokens(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          if (!operation) throw badRequest('Unknown or ambiguous operationName: name one of the operations in the document');
          if (operation.operation === 'subscription') throw badRequest('Subscriptions are served over graphql-ws (graphql-transport-ws) on this path');
          const refusal = credentialRefusal(contextValue, operation);
          if (refusal) throw refusal;
        },
      };
    },
  };
}

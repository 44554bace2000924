import type { ApolloServerPlugin } from '@apollo/server';
import type { Request, RequestHandler, Response } from 'express';
import {
  type DocumentNode,
  getOperationAST,
  GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  type ValidationRule,
  validate,
} from 'graphql';
import type { TokenVerifier } from '../../kernel/auth.ts';
import { AppError } from '../../kernel/errors.ts';
import type { KeyValueStore } from '../../kernel/kv/index.ts';
import { assertLive } from '../../kernel/revocation.ts';
import { apqRegistrations } from './apq-cache.ts';
import { authenticate, type CredentialDeps, credentialRefusal, rejectBadTokens } from './authentication.ts';
import { clientAddressResolver } from './client-address.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { limitBatches } from './http-limits.ts';
import { introspectionPolicy } from './introspection.ts';
import { limitRules } from './limits.ts';
import { admitRate, rateBudgets, rateLimit } from './rate-limit.ts';
import { enforceSafelist, type Safelist } from './safelist.ts';

/**
 * The gateway's one admission pipeline. Every operation, whatever carries it (HTTP POST/GET, a
 * graphql-ws `subscribe`), passes these steps in this order, each its own module:
 *
 * 1. credentials: authentication.ts `identify` (an X-API-Key, or an access token; partner tokens only through a key)
 * 2. liveness: kernel/revocation.ts `assertLive` (in `identify`, and again for every socket operation)
 * 3. safelist: safelist.ts (X-API-Key requests run manifest operations only; partners never reach the socket)
 * 4. parse/validate limits: limits.ts rules, the parser's token limit, the body/frame size
 * 5. rate limits: rate-limit.ts `admitRate`, one set of counters for both transports
 * 6. plan and execute: @apollo/gateway (HTTP, and queries/mutations on the socket), subscriptions/subscribe.ts
 * 7. error masking: kernel/errors.ts `formatError` (Apollo's formatError; subscriptions/errors.ts for events)
 *
 * HTTP binds the steps as express middleware and Apollo Server options (`http`); the graphql-ws
 * adapter (subscriptions/ws.ts) calls `socket.admit` for every frame, which runs the same modules.
 */
export function createAdmission(
  config: GatewayConfig,
  deps: { kv: KeyValueStore; verify: TokenVerifier; apiKeys: CredentialDeps['apiKeys']; supergraphSdl: string; safelist: Safelist },
) {
  const credentials: CredentialDeps = { verify: deps.verify, apiKeys: deps.apiKeys, kv: deps.kv };
  const clientOf = clientAddressResolver(config.TRUST_PROXY);
  const budgets = rateBudgets(config);
  const rules = limitRules(config.limits, deps.supergraphSdl);
  const spend = (context: GatewayContext, request: { document?: DocumentNode; operationName?: string | null }) =>
    admitRate(budgets, { identity: context.identity, ip: context.client.ip, ...request });

  return {
    credentials,
    clientOf,
    http: {
      /** Before Apollo Server: batches, then the partner safelist (it needs only the X-API-Key header). */
      middleware: [limitBatches(config.MAX_BATCH), enforceSafelist(deps.safelist)] as RequestHandler[],
      context: ({ req, res }: { req: Request; res: Response }) => authenticate(req, res, credentials, clientOf),
      parseOptions: { maxTokens: config.MAX_TOKENS },
      validationRules: rules,
      plugins: [
        rejectBadTokens(),
        introspectionPolicy(config.production),
        rateLimit(budgets),
        apqRegistrations(budgets, config.apq),
      ] as ApolloServerPlugin<GatewayContext>[],
    },
    socket: {
      maxPayloadBytes: config.MAX_BODY_BYTES,
      /** Steps 2 to 5 for one `subscribe` frame; answers the document to run or the errors to send. */
      admit: (context: GatewayContext, payload: SocketPayload, schema: GraphQLSchema) =>
        admitSocketOperation(context, payload, { schema, rules, maxTokens: config.MAX_TOKENS, production: config.production, kv: deps.kv, spend }),
    },
  };
}

export type Admission = ReturnType<typeof createAdmission>;

interface SocketPayload {
  query: string;
  operationName?: string | null;
}

/**
 * The socket's admission of one operation, in the pipeline's order. Valid queries and mutations
 * pay their rate limit in Apollo Server's pipeline (they execute there, as over HTTP); everything
 * else pays here, failures included, so invalid frames are not free guesses.
 */
async function admitSocketOperation(
  context: GatewayContext,
  payload: SocketPayload,
  opts: {
    schema: GraphQLSchema;
    rules: ValidationRule[];
    maxTokens: number;
    production: boolean;
    kv: KeyValueStore;
    spend: (context: GatewayContext, request: { document?: DocumentNode; operationName?: string | null }) => Promise<void>;
  },
): Promise<{ document: DocumentNode; operation: OperationDefinitionNode } | GraphQLError[]> {
  const { identity } = context;
  if (identity) {
    if (identity.expiresAt * 1000 <= Date.now()) return [new AppError('UNAUTHENTICATED', 'Access token expired; reconnect with a fresh token')];
    await assertLive(opts.kv, identity);
  }
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: opts.maxTokens });
  } catch (err) {
    await opts.spend(context, {});
    return [new GraphQLError((err as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })];
  }
  const errors = validate(opts.schema, document, [...specifiedRules, ...opts.rules]);
  const operation = errors.length ? null : getOperationAST(document, payload.operationName);
  if (!operation || operation.operation === 'subscription') await opts.spend(context, { document, operationName: payload.operationName });
  if (errors.length || !operation) {
    const problems = errors.length ? errors : [new GraphQLError('Unknown or ambiguous operationName')];
    return problems.map(
      (e) => new GraphQLError(opts.production ? withoutSuggestions(e.message) : e.message, { extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } }),
    );
  }
  const refusal = credentialRefusal(context, operation);
  return refusal ? [refusal] : { document, operation };
}

/** No "Did you mean …?" in production, as over HTTP: suggestions map the schema for whoever guesses. */
const withoutSuggestions = (message: string) => message.replace(/ Did you mean .*\?$/, '');

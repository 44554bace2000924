import type { Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { type ExecutionResult, GraphQLError, parse, print, specifiedRules, type ValidationRule, validate } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { accessTokenFrom, readCookie, REFRESH_COOKIE, type Identity, type TokenVerifier } from '../../../kernel/auth.ts';
import type { KeyValueStore } from '../../../kernel/kv/index.ts';
import type { Logger } from '../../../kernel/log.ts';
import { assertLive } from '../../../kernel/revocation.ts';
import type { ServiceMetrics } from '../../../kernel/metrics.ts';
import type { GatewayContext } from '../context.ts';
import { Channel } from './channel.ts';
import { type FederatedSubscriptionDeps, federatedSubscribe } from './subscribe.ts';
import { UpstreamConnections } from './upstream.ts';

interface Connection {
  identity: Identity | null;
  context: GatewayContext;
  upstream: UpstreamConnections;
}

const unauthenticated = (message: string) => new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });

/** Ends a stream with UNAUTHENTICATED when the access token it was opened with expires. */
function untilExpiry(source: AsyncIterableIterator<ExecutionResult>, identity: Identity | null): AsyncIterableIterator<ExecutionResult> {
  if (!identity) return source;
  const out = new Channel<ExecutionResult>();
  const timer = setTimeout(
    () => {
      out.push({ errors: [unauthenticated('Access token expired; subscribe again with a fresh token')] });
      out.end();
      void source.return?.();
    },
    Math.max(0, identity.expiresAt * 1000 - Date.now()),
  );
  out.onReturn = () => {
    clearTimeout(timer);
    void source.return?.();
  };
  void (async () => {
    for await (const result of source) out.push(result);
    clearTimeout(timer);
    out.end();
  })();
  return out;
}

/**
 * The thin graphql-ws binding (protocol `graphql-transport-ws`) on the gateway's /graphql:
 * authenticates `connection_init` ({"authorization": "Bearer …"} or the auth cookie), hands
 * subscriptions to the federated executor and queries/mutations to Apollo Server, and releases a
 * client's upstream connections when it leaves.
 */
export function serveGatewaySubscriptions(opts: {
  httpServer: Server;
  deps: () => FederatedSubscriptionDeps;
  urlOf: (service: string) => string;
  verify: TokenVerifier;
  apollo: ApolloServer<GatewayContext>;
  metrics: ServiceMetrics;
  /** The shared store where ended sessions are marked (kernel/revocation.ts). */
  kv: KeyValueStore;
  /** The same operation limits as HTTP: validation rules, parser tokens and message size. */
  limits: { rules: ValidationRule[]; maxTokens: number; maxPayloadBytes: number };
  /** Browser origins allowed to open a socket authenticated by cookie (the cookie is sent cross-site otherwise). */
  allowedOrigins: (string | RegExp)[];
  logger: Logger;
}) {
  const log = opts.logger.child({ component: 'subscriptions' });
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql', maxPayload: opts.limits.maxPayloadBytes });
  const originAllowed = (origin: string | undefined) =>
    !origin || opts.allowedOrigins.some((o) => (typeof o === 'string' ? o === origin : o.test(origin)));
  wss.on('connection', (socket) => {
    opts.metrics.wsConnections.inc();
    socket.once('close', () => opts.metrics.wsConnections.dec());
  });
  const connections = new WeakMap<object, Connection>();

  const server = useServer(
    {
      schema: () => opts.deps().planner.schema,
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const headers = ctx.extra.request.headers;
        // Cookies ride along on any site's socket: from an origin that is not allowed, none is used,
        // neither the access cookie nor the refresh cookie (CSRF on WebSockets).
        const cookiesAllowed = originAllowed(headers.origin);
        const authorization = typeof params.authorization === 'string' ? params.authorization : undefined;
        const found = accessTokenFrom({ authorization, cookie: cookiesAllowed ? headers.cookie : undefined });
        if (!found && !cookiesAllowed && accessTokenFrom({ cookie: headers.cookie })) {
          ctx.extra.socket.close(4403, 'FORBIDDEN: origin not allowed to use the auth cookie');
          return false;
        }
        let identity: Identity | null = null;
        if (found) {
          try {
            identity = await assertLive(opts.kv, await opts.verify(found.token));
          } catch (err) {
            log.info({ err: (err as Error).message }, 'subscription connection refused: bad token');
            ctx.extra.socket.close(4401, 'UNAUTHENTICATED: invalid, expired or revoked access token');
            return false;
          }
        }
        const context: GatewayContext = {
          identity,
          authError: null,
          client: { ip: ctx.extra.request.socket.remoteAddress ?? null, userAgent: headers['user-agent'] ?? null },
          refreshCookie: cookiesAllowed ? readCookie(headers.cookie, REFRESH_COOKIE) : undefined,
        };
        const upstream = new UpstreamConnections(opts.urlOf, identity ? { authorization: `Bearer ${identity.token}` } : {});
        connections.set(ctx.extra, { identity, context, upstream });
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const connection = connections.get(ctx.extra);
        if (!connection) return [unauthenticated('Not connected')];
        if (connection.identity && connection.identity.expiresAt * 1000 <= Date.now()) {
          return [unauthenticated('Access token expired; reconnect with a fresh token')];
        }
        if (connection.identity) {
          try {
            await assertLive(opts.kv, connection.identity);
          } catch (err) {
            return [err as GraphQLError];
          }
        }
        const { planner } = opts.deps();
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query, { maxTokens: opts.limits.maxTokens });
        } catch (err) {
          return [new GraphQLError((err as Error).message, { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        const errors = validate(planner.schema, document, [...specifiedRules, ...opts.limits.rules]);
        if (errors.length) return errors.map((e) => new GraphQLError(e.message, { extensions: { ...e.extensions, code: 'BAD_USER_INPUT' } }));
        return {
          schema: planner.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables ?? {},
          contextValue: connection,
        };
      },
      subscribe(args) {
        const connection = args.contextValue as Connection;
        try {
          const stream = federatedSubscribe(opts.deps(), connection.upstream, {
            document: args.document,
            operationName: args.operationName,
            variables: (args.variableValues ?? {}) as Record<string, unknown>,
            context: connection.context,
          });
          return untilExpiry(stream, connection.identity);
        } catch (err) {
          log.warn({ err: (err as Error).message }, 'subscription could not be planned');
          return { errors: [new GraphQLError('This subscription cannot be served', { extensions: { code: 'BAD_USER_INPUT' } })] };
        }
      },
      // Queries and mutations sent over the socket run exactly as over HTTP, through Apollo Server.
      async execute(args) {
        const connection = args.contextValue as Connection;
        const response = await opts.apollo.executeOperation(
          { query: print(args.document), variables: args.variableValues ?? undefined, operationName: args.operationName ?? undefined },
          { contextValue: connection.context },
        );
        if (response.body.kind !== 'single') return { errors: [new GraphQLError('Incremental delivery is not served over the socket')] };
        const { data, errors } = response.body.singleResult;
        // Apollo hands back formatted errors; graphql-ws serialises GraphQLError instances.
        return {
          data: data as ExecutionResult['data'],
          ...(errors ? { errors: errors.map((e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions })) } : {}),
        };
      },
      async onClose(ctx) {
        await connections.get(ctx.extra)?.upstream.dispose();
        connections.delete(ctx.extra);
      },
    },
    wss,
  );
  return {
    async dispose() {
      for (const client of wss.clients) client.terminate();
      await server.dispose();
    },
  };
}

import type { IncomingMessage, Server } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { type ExecutionResult, GraphQLError, print } from 'graphql';
import { WebSocketServer } from 'ws';
import type { Identity } from '../../../kernel/auth.ts';
import { AppError } from '../../../kernel/errors.ts';
import { INTERNAL_PARAM } from '../../../kernel/internal-auth.ts';
import type { Logger } from '../../../kernel/log.ts';
import type { ServiceMetrics } from '../../../kernel/metrics.ts';
import type { Admission } from '../admission.ts';
import { type CredentialDeps, identify } from '../authentication.ts';
import type { ClientInfo } from '../client-address.ts';
import type { GatewayContext } from '../context.ts';
import { Channel } from './channel.ts';
import type { SocketHandle, SocketRegistry } from './sockets.ts';
import { type FederatedSubscriptionDeps, federatedSubscribe } from './subscribe.ts';
import { UpstreamConnections } from './upstream.ts';
import { bindGraphQLWs } from './ws-binding.ts';

interface Connection {
  context: GatewayContext;
  handle: SocketHandle;
  upstream: UpstreamConnections;
  /** Ids of this socket's subscriptions counted against the caps, released on complete. */
  counted: Set<string>;
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

export interface GatewaySocketOptions {
  httpServer: Server;
  deps: () => FederatedSubscriptionDeps;
  urlOf: (service: string) => string;
  credentials: CredentialDeps;
  clientOf: (req: IncomingMessage) => ClientInfo;
  /** The admission pipeline's socket steps (admission.ts), the same modules HTTP runs. */
  admission: Admission['socket'];
  /** Ping interval of subgraph sockets; no pong within half of it ends them (upstream.ts). */
  upstreamKeepAliveMs: number;
  /** The gateway's signature for subgraph sockets (kernel/internal-auth.ts). */
  internalCredential: () => string;
  apollo: ApolloServer<GatewayContext>;
  metrics: ServiceMetrics;
  sockets: SocketRegistry;
  /** Browser origins allowed to open a socket authenticated by cookie (the cookie is sent cross-site otherwise). */
  allowedOrigins: (string | RegExp)[];
  /** Time a socket has to send `connection_init`. @default 3000 */
  connectionInitWaitTimeout?: number;
  logger: Logger;
}

/** Frames have no HTTP status: `extensions.http` (status, Retry-After) is for the HTTP binding only. */
function withoutHttp(error: GraphQLError): GraphQLError {
  if (!error.extensions.http) return error;
  const { http: _http, ...extensions } = error.extensions;
  return new GraphQLError(error.message, { extensions });
}

/** A GraphQLError from anything thrown by an admission step; unknown faults stay generic. */
const asGraphQLError = (err: unknown) =>
  err instanceof GraphQLError ? err : new AppError('INTERNAL_SERVER_ERROR', 'Internal server error');

/**
 * The thin graphql-ws binding (protocol `graphql-transport-ws`) on the gateway's /graphql. Every
 * operation passes the same admission steps as HTTP, in the same order: credentials and liveness
 * (authentication.ts, at connect and again per operation), safelist (partner tokens never reach
 * the socket), parse/validate limits, rate limits, then plan and execute; errors go through the
 * same boundary. The socket registry holds the caps and closes revoked sockets.
 */
export function serveGatewaySubscriptions(opts: GatewaySocketOptions) {
  const log = opts.logger.child({ component: 'subscriptions' });
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql', maxPayload: opts.admission.maxPayloadBytes });
  const originAllowed = (origin: string | undefined) =>
    !origin || opts.allowedOrigins.some((o) => (typeof o === 'string' ? o === origin : o.test(origin)));
  wss.on('connection', (socket) => {
    opts.metrics.wsConnections.inc();
    socket.once('close', () => opts.metrics.wsConnections.dec());
  });
  const connections = new WeakMap<object, Connection>();
  const open = new Set<Connection>();
  let draining = false;

  const server = bindGraphQLWs(
    wss,
    {
      schema: () => opts.deps().planner.schema,
      connectionInitWaitTimeout: opts.connectionInitWaitTimeout ?? 3000,
      async onConnect(ctx) {
        if (draining) {
          ctx.extra.socket.close(1001, 'Going away: the gateway is shutting down');
          return false;
        }
        const params = ctx.connectionParams ?? {};
        const request = ctx.extra.request;
        const socket = ctx.extra.socket;
        // Cookies ride along on any site's socket: from an origin that is not allowed, none is used.
        const cookiesAllowed = originAllowed(request.headers.origin);
        const authorization = typeof params.authorization === 'string' ? params.authorization : undefined;
        if (!authorization && !cookiesAllowed && request.headers.cookie?.includes('atrium_access=')) {
          socket.close(4403, 'FORBIDDEN: origin not allowed to use the auth cookie');
          return false;
        }
        let context: GatewayContext;
        try {
          context = await identify(
            { authorization, cookie: cookiesAllowed ? request.headers.cookie : undefined, client: opts.clientOf(request) },
            opts.credentials,
          );
        } catch (err) {
          // 1013 "try again later": the store is down, the credentials may be fine.
          socket.close(1013, `SERVICE_UNAVAILABLE: ${asGraphQLError(err).message}`.slice(0, 120));
          return false;
        }
        if (context.authError) {
          const forbidden = context.authError.extensions.code === 'FORBIDDEN';
          log.info({ err: context.authError.message }, 'subscription connection refused: bad token');
          socket.close(
            forbidden ? 4403 : 4401,
            forbidden ? `FORBIDDEN: ${context.authError.message}` : 'UNAUTHENTICATED: invalid, expired or revoked access token',
          );
          return false;
        }
        const handle: SocketHandle = {
          identity: context.identity,
          ip: context.client.ip,
          subscriptions: 0,
          close: (code, reason) => socket.close(code, reason),
        };
        const refusal = opts.sockets.admit(handle);
        if (refusal) {
          socket.close(refusal.code, refusal.reason);
          return false;
        }
        const identity = context.identity;
        const upstream = new UpstreamConnections(
          opts.urlOf,
          () => ({ ...(identity ? { authorization: `Bearer ${identity.token}` } : {}), [INTERNAL_PARAM]: opts.internalCredential() }),
          { keepAliveMs: opts.upstreamKeepAliveMs },
        );
        const connection = { context, handle, upstream, counted: new Set<string>() };
        connections.set(ctx.extra, connection);
        open.add(connection);
        return true;
      },
      async onSubscribe(ctx, id, payload) {
        const connection = connections.get(ctx.extra);
        if (!connection) return [unauthenticated('Not connected')];
        try {
          const { planner } = opts.deps();
          const admitted = await opts.admission.admit(connection.context, payload, planner.schema);
          if (Array.isArray(admitted)) return admitted.map(withoutHttp);
          const { document, operation } = admitted;
          if (operation.operation === 'subscription') {
            const capped = opts.sockets.startSubscription(connection.handle);
            if (capped) return [capped];
            connection.counted.add(id);
          }
          return {
            schema: planner.schema,
            document,
            operationName: payload.operationName,
            variableValues: payload.variables ?? {},
            contextValue: connection,
          };
        } catch (err) {
          return [withoutHttp(asGraphQLError(err))];
        }
      },
      onComplete(ctx, id) {
        const connection = connections.get(ctx.extra);
        if (connection?.counted.delete(id)) opts.sockets.endSubscription(connection.handle);
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
          return untilExpiry(stream, connection.context.identity);
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
        const connection = connections.get(ctx.extra);
        if (!connection) return;
        opts.sockets.release(connection.handle);
        open.delete(connection);
        await connection.upstream.dispose();
        connections.delete(ctx.extra);
      },
    },
    log,
  );
  return {
    /**
     * Graceful: no new sockets; every subscription stops taking events, delivers the ones in flight
     * and completes (at most `drainMs`), then every socket is closed with 1001 (going away).
     */
    async dispose(drainMs = 5000) {
      draining = true;
      await Promise.all([...open].map((c) => c.upstream.drain()));
      const deadline = Date.now() + drainMs;
      while ([...open].some((c) => c.counted.size > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await server.dispose();
      for (const client of wss.clients) client.terminate();
    },
  };
}

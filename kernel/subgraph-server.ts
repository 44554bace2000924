import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express from 'express';
import type { Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import { type DocumentNode, type GraphQLSchema, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { sharedServerOptions } from './apollo.ts';
import { createServiceApp, listen, type ReadinessCheck } from './http.ts';
import { INTERNAL_PARAM, isInternalCredential, requireInternalCredential } from './internal-auth.ts';
import type { Logger } from './log.ts';
import type { ServiceMetrics } from './metrics.ts';
import { startTracing } from './tracing.ts';
import { operationSpanNames, subscribeWithTraceContext, traceRequests } from './tracing-graphql.ts';

/** How a subgraph describes itself to the one bootstrap every subgraph shares. */
export interface SubgraphServerOptions<TContext extends BaseContext> {
  /** The subgraph's name: composition, container, log `service` and Postgres schema. */
  name: string;
  typeDefs: DocumentNode;
  resolvers: unknown;
  /** 0 picks a free port (tests). */
  port: number;
  /** The address to bind (the service's HOST); loopback when unset. */
  host?: string;
  /** Calls must carry the gateway's signature made with this secret (kernel/internal-auth.ts). */
  internalSecret: string;
  logger: Logger;
  production: boolean;
  /** Builds the per-request context; throwing a GraphQLError answers with it. */
  context: (req: express.Request, res: express.Response) => Promise<TContext>;
  readiness: Record<string, ReadinessCheck>;
  /** Served on /metrics; the same registry the subgraph's ORM counts queries in. */
  metrics: ServiceMetrics;
  /** Extra HTTP routes beside /graphql (the users subgraph's JWKS). */
  routes?: (app: express.Express) => void;
  /**
   * Serves the schema's subscriptions over graphql-ws on /graphql; the context comes from the
   * `connection_init` payload (the gateway forwards `authorization` there).
   */
  subscriptions?: { context: (connectionParams: Record<string, unknown>) => Promise<TContext> };
}

export interface RunningService {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Starts a subgraph: `/graphql`, `/health`, `/ready`, `/metrics`, the shared error boundary and logging. */
export async function startSubgraphServer<TContext extends BaseContext>(
  opts: SubgraphServerOptions<TContext>,
): Promise<RunningService> {
  const tracing = startTracing(opts.name, { logger: opts.logger });
  const log = opts.logger.child({ component: 'graphql' });
  const schema = buildSubgraphSchema([{ typeDefs: opts.typeDefs, resolvers: opts.resolvers as never }]);
  const server = new ApolloServer<TContext>({
    schema,
    ...sharedServerOptions({ production: opts.production, logger: log }),
    // No Apollo Studio here: federated traces would only cost bytes on every response.
    plugins: [
      ApolloServerPluginInlineTraceDisabled(),
      ...(opts.production ? [ApolloServerPluginLandingPageDisabled()] : []),
      requestLogging(log),
      operationSpanNames(),
    ],
  });
  await server.start();

  // One hop: every call that gets past the credential check comes from the gateway, whose
  // X-Forwarded-For names the end user; nobody else's is believed because nobody else gets in.
  const app = createServiceApp(opts.readiness, opts.logger, opts.metrics, 1);
  app.use(requireInternalCredential(opts.internalSecret));
  opts.routes?.(app);
  app.use(
    '/graphql',
    traceRequests(opts.name),
    express.json({ limit: '1mb' }),
    expressMiddleware(server, { context: ({ req, res }) => opts.context(req, res) }),
  );
  const http = await listen(app, opts.port, opts.host);
  const ws = opts.subscriptions ? serveSubscriptions(http.server, schema, opts.subscriptions.context, opts.internalSecret, log, opts.metrics, tracing.active) : undefined;
  opts.logger.info({ url: `${http.url}/graphql` }, `${opts.name} subgraph listening`);
  return {
    url: `${http.url}/graphql`,
    port: http.port,
    stop: async () => {
      await ws?.dispose();
      await server.stop();
      await http.stop();
      await tracing.shutdown();
    },
  };
}

/** graphql-ws on the subgraph's /graphql; a context that throws (a bad token) refuses the connection. */
function serveSubscriptions<TContext>(
  httpServer: Server,
  schema: GraphQLSchema,
  context: (params: Record<string, unknown>) => Promise<TContext>,
  internalSecret: string,
  log: Logger,
  metrics: ServiceMetrics,
  /** Pass each event's trace context on to the gateway (tracing-graphql.ts). */
  traced = false,
) {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  wss.on('connection', (socket) => {
    metrics.wsConnections.inc();
    socket.once('close', () => metrics.wsConnections.dec());
  });
  const contexts = new WeakMap<object, TContext>();
  const disposable = useServer(
    {
      schema,
      ...(traced ? { subscribe: subscribeWithTraceContext } : {}),
      async onConnect(ctx) {
        if (!isInternalCredential(internalSecret, ctx.connectionParams?.[INTERNAL_PARAM])) {
          log.warn({ ip: ctx.extra.request.socket.remoteAddress }, 'subscription connection without the gateway credential refused');
          return false;
        }
        try {
          contexts.set(ctx.extra, await context(ctx.connectionParams ?? {}));
          return true;
        } catch (err) {
          log.info({ err: (err as Error).message }, 'subscription connection refused');
          return false;
        }
      },
      context: (ctx) => contexts.get(ctx.extra) as Record<string, unknown>,
    },
    wss,
  );
  return {
    async dispose() {
      for (const client of wss.clients) client.terminate();
      await Promise.resolve(disposable.dispose()).catch(() => {});
    },
  };
}

/** One debug line per operation: name and duration, never variables (they may hold passwords). */
function requestLogging(log: Logger): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(ctx) {
          log.debug({ operation: ctx.operationName, ms: Math.round(performance.now() - started) }, 'operation');
        },
      };
    },
  };
}

/** Merges the resolver maps of a subgraph's areas; a field defined twice is a bug, so it throws. */
export function mergeResolvers(...maps: Record<string, object>[]): Record<string, Record<string, unknown>> {
  const merged: Record<string, Record<string, unknown>> = {};
  for (const map of maps) {
    for (const [type, fieldMap] of Object.entries(map)) {
      merged[type] ??= {};
      const target = merged[type];
      for (const [field, resolver] of Object.entries(fieldMap)) {
        if (field in target) throw new Error(`Resolver ${type}.${field} is defined twice`);
        target[field] = resolver;
      }
    }
  }
  return merged;
}

/** Reads a subgraph's SDL next to its source. */
export async function loadTypeDefs(schemaUrl: URL): Promise<DocumentNode> {
  return parse(await readFile(schemaUrl, 'utf8'));
}

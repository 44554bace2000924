import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import { verifierFromConfig } from '../../kernel/auth.ts';
import { internalSecretOf } from '../../kernel/config.ts';
import { INTERNAL_HEADER, internalCredential } from '../../kernel/internal-auth.ts';
import { createEventBus } from '../../kernel/pubsub.ts';
import { REVOCATIONS_CHANNEL, type Revocation } from '../../kernel/revocation.ts';
import { sharedServerOptions } from '../../kernel/apollo.ts';
import { createServiceApp, listen } from '../../kernel/http.ts';
import { createLogger, type Logger } from '../../kernel/log.ts';
import { createMetrics } from '../../kernel/metrics.ts';
import type { RunningService } from '../../kernel/subgraph-server.ts';
import { startTracing } from '../../kernel/tracing.ts';
import { GraphQLError } from 'graphql';
import { createKeyValueStore } from '../../kernel/kv/index.ts';
import { createAdmission } from './admission.ts';
import { apiKeyAuthenticator } from './api-keys.ts';
import { apqOptions } from './apq-cache.ts';
import { bodyErrors } from './http-limits.ts';
import { Safelist } from './safelist.ts';
import { SocketRegistry } from './subscriptions/sockets.ts';
import type { GatewayConfig } from './config.ts';
import type { GatewayContext } from './context.ts';
import { ForwardingDataSource } from './datasource.ts';
import { gatewayReadiness, subgraphHealth } from './readiness.ts';
import { eventErrorBoundary } from './subscriptions/errors.ts';
import { SubscriptionPlanner } from './subscriptions/planner.ts';
import { SharedResolutions } from './subscriptions/subscribe.ts';
import { serveGatewaySubscriptions } from './subscriptions/ws.ts';
import { readSupergraph, subgraphsOf } from './supergraph.ts';

/** Starts the gateway on any composed supergraph; `main.ts`, `npm start` and the tests call this. */
export async function start(
  config: GatewayConfig,
  logger: Logger = createLogger({ service: 'gateway', level: config.LOG_LEVEL }),
): Promise<RunningService> {
  const tracing = startTracing('gateway', { logger });
  const supergraphSdl = await readSupergraph(config.supergraphPath);
  const subgraphs = subgraphsOf(supergraphSdl, config.subgraphUrls);
  const urlOf = new Map(subgraphs.map((s) => [s.name, s.url]));
  const metrics = createMetrics('gateway');
  const credential = internalCredential(internalSecretOf(config));

  // @apollo/gateway otherwise reports usage metrics to Apollo every hour: no call to a vendor unless asked for.
  process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
  // The gateway's data sources, kept so subscriptions resolve their `rest` through the same ones.
  const dataSources = new Map<string, ForwardingDataSource>();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => {
      const source = new ForwardingDataSource(urlOf.get(name) ?? url ?? '', {
        timeoutMs: config.SUBGRAPH_TIMEOUT_MS,
        onRequest: () => metrics.subgraphRequests.inc({ subgraph: name }),
        credential,
      });
      dataSources.set(name, source);
      return source;
    },
    logger: logger.child({ component: 'apollo-gateway' }),
  });
  const verify = verifierFromConfig(config);

  const kv = createKeyValueStore({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
  const safelist = new Safelist(config.PERSISTED_QUERIES_PATH, logger);
  const exchangeUrl = config.API_KEY_EXCHANGE_URL ?? urlOf.get('users')?.replace(/\/graphql$/, '/internal/api-keys/token');
  const apiKeys = exchangeUrl
    ? apiKeyAuthenticator(exchangeUrl, verify, { headers: () => ({ [INTERNAL_HEADER]: credential() }) })
    : async () => Promise.reject(new GraphQLError('API keys are not served by this supergraph', { extensions: { code: 'UNAUTHENTICATED' } }));

  const admission = createAdmission(config, { kv, verify, apiKeys, supergraphSdl, safelist });
  const bus = createEventBus({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
  const sockets = new SocketRegistry(config.sockets, kv, logger.child({ component: 'sockets' }));

  const server = new ApolloServer<GatewayContext>({
    gateway,
    ...sharedServerOptions({ production: config.production, logger: logger.child({ component: 'graphql' }) }),
    // Introspection is decided per request (admins in production) by introspectionPolicy.
    introspection: true,
    persistedQueries: apqOptions(kv, config.apq),
    allowBatchedHttpRequests: config.MAX_BATCH > 0,
    // The admission pipeline's HTTP steps (admission.ts): limits, credentials, rate limits.
    parseOptions: admission.http.parseOptions,
    validationRules: admission.http.validationRules,
    plugins: [
      config.production ? ApolloServerPluginLandingPageDisabled() : ApolloServerPluginLandingPageLocalDefault({ embed: true }),
      ...admission.http.plugins,
    ],
  });
  await server.start();

  // Ready when it can serve: supergraph loaded and shared store answering; subgraph health is on /health.
  const app = createServiceApp(gatewayReadiness(gateway, kv), logger, metrics, config.TRUST_PROXY, { subgraphs: subgraphHealth(subgraphs, metrics.registry, { logger }).report });
  app.use(
    '/graphql',
    cors({ origin: config.corsOrigins, credentials: true, exposedHeaders: ['X-Auth-Token', 'Retry-After'] }),
    express.json({ limit: config.MAX_BODY_BYTES }),
    ...admission.http.middleware,
    expressMiddleware(server, { context: admission.http.context }),
    bodyErrors(config.MAX_BODY_BYTES),
  );
  const http = await listen(app, config.PORT, config.HOST);
  const planner = new SubscriptionPlanner(supergraphSdl);
  const shared = new SharedResolutions();
  const publicSources = new Map(
    config.publicSubgraphs.flatMap((name) => {
      const source = dataSources.get(name);
      return source ? [[name, source] as const] : [];
    }),
  );
  const subscriptionDeps = {
    planner,
    dataSources,
    shared,
    publicSources,
    formatError: eventErrorBoundary(config.production, logger),
    maxBufferedEvents: config.WS_MAX_BUFFERED_EVENTS,
    logger: logger.child({ component: 'subscriptions' }),
  };
  const subscriptions = serveGatewaySubscriptions({
    httpServer: http.server,
    deps: () => subscriptionDeps,
    urlOf: (service) => urlOf.get(service) ?? '',
    credentials: admission.credentials,
    clientOf: admission.clientOf,
    admission: admission.socket,
    internalCredential: credential,
    upstreamKeepAliveMs: config.WS_UPSTREAM_KEEPALIVE_MS,
    apollo: server,
    metrics,
    sockets,
    allowedOrigins: config.corsOrigins,
    logger,
  });
  // Revocations close sockets at once from the bus; the sweep is the backstop for a lost message.
  const revocations = bus.listen<Revocation>(REVOCATIONS_CHANNEL);
  void (async () => {
    for await (const revocation of revocations) sockets.revoke(revocation);
  })();
  const sweep = setInterval(() => void sockets.sweep(), config.REVOCATION_SWEEP_MS);
  sweep.unref();
  logger.info({ url: `${http.url}/graphql`, subgraphs }, 'gateway listening');
  return {
    url: `${http.url}/graphql`,
    port: http.port,
    stop: async () => {
      clearInterval(sweep);
      // Unsubscribing from a store that is down would wait for it: stopping must not.
      await settleWithin(revocations.return?.(), 1000);
      await subscriptions.dispose();
      await server.stop();
      await http.stop();
      safelist.close();
      await settleWithin(bus.close(), 1000);
      await kv.close();
      await tracing.shutdown();
    },
  };
}

/** Waits for `promise` at most `ms`, ignoring its outcome: for clean-ups that may hang on a dead dependency. */
async function settleWithin(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise?.catch(() => {}), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

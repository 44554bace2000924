import { type Identity, verifierFromConfig } from '../../../kernel/auth.ts';
import { internalSecretOf } from '../../../kernel/config.ts';
import { internalCredential } from '../../../kernel/internal-auth.ts';
import { databaseReady, openSubgraphDatabase } from '../../../kernel/db.ts';
import { identityFromConnectionParams, identityFromRequest } from '../../../kernel/identity.ts';
import { createLogger, type Logger } from '../../../kernel/log.ts';
import { createMetrics } from '../../../kernel/metrics.ts';
import { createEventBus } from '../../../kernel/pubsub.ts';
import { createChangeLog } from '../../../cdc/delivery/config.ts';
import { DateTimeScalar, JsonScalar } from '../../../kernel/scalars.ts';
import { loadTypeDefs, mergeResolvers, startSubgraphServer, type RunningService } from '../../../kernel/subgraph-server.ts';
import type { InstancesConfig } from './config.ts';
import type { InstancesContext, InstancesDeps } from './context.ts';
import { federatedAgentDirectory } from './instance/agent-directory.ts';
import { subscriptionResolvers } from './events/subscription.resolvers.ts';
import { instanceResolvers } from './instance/instance.resolvers.ts';
import { knowledgeBaseResolvers } from './knowledge-base/knowledge-base.resolvers.ts';
import { createLoaders } from './loaders.ts';
import { instancesOrm } from './orm.ts';

export const resolvers = mergeResolvers(
  { DateTime: DateTimeScalar as unknown as object, JSON: JsonScalar as unknown as object },
  instanceResolvers,
  knowledgeBaseResolvers,
  subscriptionResolvers,
);

/** Starts the instances subgraph; `main.ts` and the tests call this, nothing else differs. */
export async function start(
  config: InstancesConfig,
  logger: Logger = createLogger({ service: 'instances', level: config.LOG_LEVEL }),
): Promise<RunningService & { deps: InstancesDeps }> {
  const metrics = createMetrics('instances');
  const orm = await openSubgraphDatabase(instancesOrm, config, logger, metrics);
  const bus = createEventBus({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
  const deps: InstancesDeps = {
    config,
    orm,
    logger,
    agents: federatedAgentDirectory(config.CATALOG_URL, internalCredential(internalSecretOf(config)), logger.child({ component: 'agent-directory' })),
    bus,
    changes: createChangeLog({ ...config, bus }),
  };
  const verify = verifierFromConfig(config);
  const contextFor = (identity: Identity | null): InstancesContext => {
    const em = orm.em.fork();
    return { deps, em, identity, loaders: createLoaders(em) };
  };

  const service = await startSubgraphServer<InstancesContext>({
    name: 'instances',
    typeDefs: await loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
    resolvers,
    host: config.HOST,
    port: config.PORT,
    internalSecret: internalSecretOf(config),
    logger,
    production: config.production,
    metrics,
    readiness: { postgres: databaseReady(orm, instancesOrm) },
    context: async (req) => contextFor(await identityFromRequest(req, verify)),
    subscriptions: { context: async (params) => contextFor(await identityFromConnectionParams(params, verify)) },
  });
  return {
    ...service,
    deps,
    async stop() {
      await service.stop();
      await deps.changes.close();
      await deps.bus.close();
      await orm.close();
    },
  };
}

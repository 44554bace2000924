import { verifierFromConfig } from '../../../kernel/auth.ts';
import { internalSecretOf } from '../../../kernel/config.ts';
import { databaseReady, openSubgraphDatabase } from '../../../kernel/db.ts';
import { federatedEntities } from '../../../kernel/entity-lookup.ts';
import { identityFromConnectionParams, identityFromRequest } from '../../../kernel/identity.ts';
import { internalCredential } from '../../../kernel/internal-auth.ts';
import { createLogger, type Logger } from '../../../kernel/log.ts';
import { createMetrics } from '../../../kernel/metrics.ts';
import { createEventBus } from '../../../kernel/pubsub.ts';
import { createChangeLog } from '../../../cdc/delivery/config.ts';
import { DateTimeScalar } from '../../../kernel/scalars.ts';
import { loadTypeDefs, mergeResolvers, startSubgraphServer, type RunningService } from '../../../kernel/subgraph-server.ts';
import type { ConversationsConfig } from './config.ts';
import type { ConversationsContext, ConversationsDeps } from './context.ts';
import { conversationResolvers } from './conversation/conversation.resolvers.ts';
import { subscriptionResolvers } from './events/subscription.resolvers.ts';
import { messageResolvers } from './message/message.resolvers.ts';
import { conversationsOrm } from './orm.ts';
import { startReplicator } from './replica/replicator.ts';

export const resolvers = mergeResolvers({ DateTime: DateTimeScalar as unknown as object }, conversationResolvers, messageResolvers, subscriptionResolvers);

/** Starts the conversations subgraph; `main.ts` and the tests call this, nothing else differs. */
export async function start(
  config: ConversationsConfig,
  logger: Logger = createLogger({ service: 'conversations', level: config.LOG_LEVEL }),
): Promise<RunningService & { deps: ConversationsDeps }> {
  const metrics = createMetrics('conversations');
  const orm = await openSubgraphDatabase(conversationsOrm, config, logger, metrics);
  const users = federatedEntities({
    url: config.USERS_URL,
    owner: 'user directory',
    credential: internalCredential(internalSecretOf(config)),
    logger: logger.child({ component: 'user-directory' }),
  });
  const bus = createEventBus({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
  const changes = createChangeLog({ ...config, bus });
  const deps: ConversationsDeps = {
    config,
    orm,
    logger,
    bus,
    changes,
    replica: startReplicator({ databaseUrl: config.DATABASE_URL, changes, logger }),
    async existingUsers(ids) {
      const found = await users<{ id: string }>('User', 'id', ids);
      return new Set(found.flatMap((u) => (u ? [u.id] : [])));
    },
  };
  const verify = verifierFromConfig(config);

  const service = await startSubgraphServer<ConversationsContext>({
    name: 'conversations',
    typeDefs: await loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
    resolvers,
    host: config.HOST,
    port: config.PORT,
    internalSecret: internalSecretOf(config),
    logger,
    production: config.production,
    metrics,
    readiness: { postgres: databaseReady(orm, conversationsOrm) },
    context: async (req) => ({ deps, em: orm.em.fork(), identity: await identityFromRequest(req, verify) }),
    subscriptions: { context: async (params) => ({ deps, em: orm.em.fork(), identity: await identityFromConnectionParams(params, verify) }) },
  });
  return {
    ...service,
    deps,
    async stop() {
      await service.stop();
      await deps.replica.stop();
      await deps.changes.close();
      await bus.close();
      await orm.close();
    },
  };
}

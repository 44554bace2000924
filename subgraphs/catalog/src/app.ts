import { verifierFromConfig } from '../../../kernel/auth.ts';
import { internalSecretOf } from '../../../kernel/config.ts';
import { databaseReady, openSubgraphDatabase } from '../../../kernel/db.ts';
import { identityFromRequest } from '../../../kernel/identity.ts';
import { createLogger, type Logger } from '../../../kernel/log.ts';
import { createMetrics } from '../../../kernel/metrics.ts';
import { DateTimeScalar } from '../../../kernel/scalars.ts';
import { loadTypeDefs, mergeResolvers, startSubgraphServer, type RunningService } from '../../../kernel/subgraph-server.ts';
import { agentLoader, agentResolvers } from './agent/agent.resolvers.ts';
import { seedDemoCatalog } from './agent/demo-catalog.ts';
import type { CatalogConfig } from './config.ts';
import type { CatalogContext, CatalogDeps } from './context.ts';
import { catalogOrm } from './orm.ts';

export const resolvers = mergeResolvers({ DateTime: DateTimeScalar as unknown as object }, agentResolvers);

/** Starts the catalog subgraph; `main.ts` and the tests call this, nothing else differs. */
export async function start(
  config: CatalogConfig,
  logger: Logger = createLogger({ service: 'catalog', level: config.LOG_LEVEL }),
): Promise<RunningService & { deps: CatalogDeps }> {
  const metrics = createMetrics('catalog');
  const orm = await openSubgraphDatabase(catalogOrm, config, logger, metrics);
  if (config.seedDemoCatalog) {
    const seeded = await seedDemoCatalog(orm.em.fork());
    if (seeded) logger.info({ seeded }, 'empty catalog seeded with demo agents');
  }
  const deps: CatalogDeps = { config, orm, logger };
  const verify = verifierFromConfig(config);

  const service = await startSubgraphServer<CatalogContext>({
    name: 'catalog',
    typeDefs: await loadTypeDefs(new URL('../schema.graphql', import.meta.url)),
    resolvers,
    host: config.HOST,
    port: config.PORT,
    internalSecret: internalSecretOf(config),
    logger,
    production: config.production,
    metrics,
    readiness: { postgres: databaseReady(orm, catalogOrm) },
    async context(req) {
      const em = orm.em.fork();
      return { deps, em, identity: await identityFromRequest(req, verify), agentById: agentLoader(em) };
    },
  });
  return {
    ...service,
    deps,
    async stop() {
      await service.stop();
      await orm.close();
    },
  };
}

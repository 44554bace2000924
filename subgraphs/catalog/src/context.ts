import type DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Identity } from '../../../kernel/auth.ts';
import type { Logger } from '../../../kernel/log.ts';
import type { Agent } from './agent/agent.entity.ts';
import type { CatalogConfig } from './config.ts';

/** Everything the catalog subgraph holds for its lifetime; built once in app.ts. */
export interface CatalogDeps {
  config: CatalogConfig;
  orm: MikroORM;
  logger: Logger;
}

/** One request's view: a fresh EntityManager and the caller. */
export interface CatalogContext {
  deps: CatalogDeps;
  em: EntityManager;
  identity: Identity | null;
  /** Batches `Agent` entity references from the gateway into one query per request. */
  agentById: DataLoader<string, Agent | null>;
}

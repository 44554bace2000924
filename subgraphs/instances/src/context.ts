import type DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Identity } from '../../../kernel/auth.ts';
import type { Logger } from '../../../kernel/log.ts';
import type { EventBus } from '../../../kernel/pubsub.ts';
import type { ChangeLog } from '../../../cdc/delivery/change-log.ts';
import type { InstancesConfig } from './config.ts';
import type { AgentDirectory } from './instance/agent-directory.ts';
import type { Instance } from './instance/instance.entity.ts';
import type { KnowledgeBase } from './knowledge-base/knowledge-base.entity.ts';

/** Everything the instances subgraph holds for its lifetime; built once in app.ts. */
export interface InstancesDeps {
  config: InstancesConfig;
  orm: MikroORM;
  agents: AgentDirectory;
  /** Where the bridge appends this subgraph's change events; subscriptions replay and follow it. */
  changes: ChangeLog;
  /** The live leg of `changes` (pub/sub). */
  bus: EventBus;
  logger: Logger;
}

/** Per-request batching: one query per kind of lookup, however many rows a response needs. */
export interface InstancesLoaders {
  instanceById: DataLoader<string, Instance | null>;
  instancesByOwner: DataLoader<string, Instance[]>;
  knowledgeBaseByInstance: DataLoader<string, KnowledgeBase>;
  entryCountByKnowledgeBase: DataLoader<string, number>;
}

/** One request's view: a fresh EntityManager, the caller and the loaders. */
export interface InstancesContext {
  deps: InstancesDeps;
  em: EntityManager;
  identity: Identity | null;
  loaders: InstancesLoaders;
}

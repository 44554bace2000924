import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Identity } from '../../../kernel/auth.ts';
import type { ChangeLog } from '../../../cdc/delivery/change-log.ts';
import type { Logger } from '../../../kernel/log.ts';
import type { EventBus } from '../../../kernel/pubsub.ts';
import type { ConversationsConfig } from './config.ts';
import type { Replicator } from './replica/replicator.ts';

/** Everything the conversations subgraph holds for its lifetime; built once in app.ts. */
export interface ConversationsDeps {
  config: ConversationsConfig;
  orm: MikroORM;
  logger: Logger;
  /** Which of these user ids exist; the users subgraph owns that fact. */
  existingUsers(ids: string[]): Promise<Set<string>>;
  /** Where the bridge appends this subgraph's change events; subscriptions replay and follow it. */
  changes: ChangeLog;
  /** The live leg of `changes` (pub/sub). */
  bus: EventBus;
  /** What this subgraph knows of instances and their knowledge, from their change events. */
  replica: Replicator;
}

/** One request's view: a fresh EntityManager and the caller. */
export interface ConversationsContext {
  deps: ConversationsDeps;
  em: EntityManager;
  identity: Identity | null;
}

import { fileURLToPath } from 'node:url';
import type { SubgraphOrmSpec } from '../../../kernel/db.ts';
import { migrations } from '../migrations/index.ts';
import { Conversation } from './conversation/conversation.entity.ts';
import { Participant } from './conversation/participant.entity.ts';
import { Message } from './message/message.entity.ts';

/** The conversations subgraph's persistence: Postgres schema `conversations`, its entities and migrations. */
export const conversationsOrm: SubgraphOrmSpec = {
  schema: 'conversations',
  entities: [Conversation, Participant, Message],
  migrations,
  migrationsPath: fileURLToPath(new URL('../migrations', import.meta.url)),
};

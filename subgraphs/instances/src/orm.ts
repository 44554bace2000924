import { fileURLToPath } from 'node:url';
import type { SubgraphOrmSpec } from '../../../kernel/db.ts';
import { migrations } from '../migrations/index.ts';
import { Instance } from './instance/instance.entity.ts';
import { KnowledgeBaseEntry } from './knowledge-base/knowledge-base-entry.entity.ts';
import { KnowledgeBase } from './knowledge-base/knowledge-base.entity.ts';

/** The instances subgraph's persistence: Postgres schema `instances`, its entities and migrations. */
export const instancesOrm: SubgraphOrmSpec = {
  schema: 'instances',
  entities: [Instance, KnowledgeBase, KnowledgeBaseEntry],
  migrations,
  migrationsPath: fileURLToPath(new URL('../migrations', import.meta.url)),
};

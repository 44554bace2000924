import { fileURLToPath } from 'node:url';
import type { SubgraphOrmSpec } from '../../../kernel/db.ts';
import { migrations } from '../migrations/index.ts';
import { Agent } from './agent/agent.entity.ts';

/** The catalog subgraph's persistence: Postgres schema `catalog`, its entities and migrations. */
export const catalogOrm: SubgraphOrmSpec = {
  schema: 'catalog',
  entities: [Agent],
  migrations,
  migrationsPath: fileURLToPath(new URL('../migrations', import.meta.url)),
};

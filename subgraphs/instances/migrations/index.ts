import { Migration20261122003335_init } from './Migration20261122003335_init.ts';
import { Migration20261122010000_replica_identity } from './Migration20261122010000_replica_identity.ts';
import { Migration20261204200000_capture_knowledge_base } from './Migration20261204200000_capture_knowledge_base.ts';

/** Every migration of the `instances` schema, oldest first; `migrate:create` appends here. */
export const migrations = [
  { name: 'Migration20261122003335_init', class: Migration20261122003335_init },
  { name: 'Migration20261122010000_replica_identity', class: Migration20261122010000_replica_identity },
  { name: 'Migration20261204200000_capture_knowledge_base', class: Migration20261204200000_capture_knowledge_base },
];

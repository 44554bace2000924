import { Migration20261204190000_init } from './Migration20261204190000_init.ts';
import { Migration20261204193000_replica_identity } from './Migration20261204193000_replica_identity.ts';
import { Migration20261204201000_replica } from './Migration20261204201000_replica.ts';

/** Every migration of the `conversations` schema, oldest first; `migrate:create` appends here. */
export const migrations = [
  { name: 'Migration20261204190000_init', class: Migration20261204190000_init },
  { name: 'Migration20261204193000_replica_identity', class: Migration20261204193000_replica_identity },
  { name: 'Migration20261204201000_replica', class: Migration20261204201000_replica },
];

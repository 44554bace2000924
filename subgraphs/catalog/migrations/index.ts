import { Migration20261122001636_init } from './Migration20261122001636_init.ts';

/** Every migration of the `catalog` schema, oldest first; `migrate:create` appends here. */
export const migrations = [{ name: 'Migration20261122001636_init', class: Migration20261122001636_init }];

import { Migration20261122001344_init } from './Migration20261122001344_init.ts';

/** Every migration of the `users` schema, oldest first; `migrate:create` appends here. */
export const migrations = [{ name: 'Migration20261122001344_init', class: Migration20261122001344_init }];

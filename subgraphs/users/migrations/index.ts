import { Migration20261122014051_previous_refresh_hash } from './Migration20261122014051_previous_refresh_hash.ts';
import { Migration20261122012528_api_keys } from './Migration20261122012528_api_keys.ts';
import { Migration20261122001344_init } from './Migration20261122001344_init.ts';

/** Every migration of the `users` schema, oldest first; `migrate:create` appends here. */
export const migrations = [{ name: 'Migration20261122001344_init', class: Migration20261122001344_init }, { name: 'Migration20261122012528_api_keys', class: Migration20261122012528_api_keys }, { name: 'Migration20261122014051_previous_refresh_hash', class: Migration20261122014051_previous_refresh_hash }];

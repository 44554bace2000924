import { fileURLToPath } from 'node:url';
import type { SubgraphOrmSpec } from '../../../kernel/db.ts';
import { migrations } from '../migrations/index.ts';
import { ApiKey } from './api-key/api-key.entity.ts';
import { RecoveryCode } from './mfa/recovery-code.entity.ts';
import { Session } from './session/session.entity.ts';
import { User } from './user/user.entity.ts';

/** The users subgraph's persistence: Postgres schema `users`, its entities and migrations. */
export const usersOrm: SubgraphOrmSpec = {
  schema: 'users',
  entities: [User, Session, RecoveryCode, ApiKey],
  migrations,
  migrationsPath: fileURLToPath(new URL('../migrations', import.meta.url)),
};

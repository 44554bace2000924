import type DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Response } from 'express';
import type { Identity, TokenVerifier } from '../../../kernel/auth.ts';
import type { KeyValueStore } from '../../../kernel/kv/index.ts';
import type { Logger } from '../../../kernel/log.ts';
import type { EventBus } from '../../../kernel/pubsub.ts';
import type { SigningKeys } from './auth/keys.ts';
import type { UsersConfig } from './config.ts';
import type { Mailer } from './mail/mailer.ts';
import type { SecretBox } from './mfa/secret-box.ts';
import type { Session } from './session/session.entity.ts';
import type { User } from './user/user.entity.ts';

/** Everything the users subgraph holds for its lifetime; built once in app.ts. */
export interface UsersDeps {
  config: UsersConfig;
  orm: MikroORM;
  kv: KeyValueStore;
  /** Announces revocations to the gateways, which close the sockets they ended. */
  bus: EventBus;
  mailer: Mailer;
  keys: SigningKeys;
  /** Seals and opens TOTP secrets stored in the users schema. */
  secrets: SecretBox;
  verify: TokenVerifier;
  logger: Logger;
}

/** One request's view: a fresh EntityManager, the caller and where they call from. */
export interface UsersContext {
  deps: UsersDeps;
  em: EntityManager;
  identity: Identity | null;
  client: { ip: string | null; userAgent: string | null };
  /** The HTTP response, so sign-in can set cookies and the X-Auth-Token header. */
  res: Response;
  /** Refresh token from the HttpOnly cookie, if the client sent one. */
  refreshCookie: string | undefined;
  /** Batches `User` entity references from the gateway into one query per request. */
  userById: DataLoader<string, User | null>;
  /** The account this request just signed in (login, registration, refresh): it may see its own details. */
  signedInAs?: string;
  /** Memoised by `currentUser`: the caller's live session and account. */
  signedIn?: Promise<{ user: User; session: Session | null }>;
}

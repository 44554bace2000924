import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { markRevoked } from '../../../../kernel/revocation.ts';
import { sameDigest, sha256 } from '../auth/tokens.ts';
import type { UsersDeps } from '../context.ts';
import { ApiKey } from './api-key.entity.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const SHAPE = /^(atr_[a-z2-7]{8})_([A-Za-z0-9_-]{43})$/;

/** A new key: `atr_<8 visible chars>_<256-bit secret>`; the visible part is its prefix. */
export function newApiKeySecret(): { prefix: string; secret: string } {
  const visible = Array.from(randomBytes(8), (b) => ALPHABET[b & 31]).join('');
  const prefix = `atr_${visible}`;
  return { prefix, secret: `${prefix}_${randomBytes(32).toString('base64url')}` };
}

/** The live key a secret belongs to, or null; compares hashes in constant time. */
export async function findKeyBySecret(em: EntityManager, secret: string): Promise<ApiKey | null> {
  const match = SHAPE.exec(secret.trim());
  if (!match) return null;
  const key = await em.findOne(ApiKey, { prefix: match[1] as string, revokedAt: null }, { populate: ['user'] });
  return key && sameDigest(sha256(secret.trim()), key.secretHash) ? key : null;
}

/** Records use without a write per request: at most once a minute per key. */
export async function touchKey(em: EntityManager, key: ApiKey): Promise<void> {
  const minuteAgo = new Date(Date.now() - 60_000);
  await em.nativeUpdate(ApiKey, { id: key.id, $or: [{ lastUsedAt: null }, { lastUsedAt: { $lt: minuteAgo } }] }, { lastUsedAt: new Date() });
}

/**
 * Ends the partner tokens already minted for a user's keys (their roles or account changed); the
 * keys stay, and the next exchange mints a token that reflects the change.
 */
export async function endKeyTokensOf(deps: UsersDeps, em: EntityManager, userId: string, reason: 'account_disabled' | 'roles_changed') {
  const keys = await em.find(ApiKey, { user: userId, revokedAt: null }, { fields: ['id'] });
  await markRevoked(deps.kv, deps.bus, { ids: keys.map((k) => k.id), reason, ttlSeconds: deps.config.API_KEY_TOKEN_TTL });
}

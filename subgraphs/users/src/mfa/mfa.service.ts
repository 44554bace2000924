import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { verify } from 'otplib';
import type { UsersContext } from '../context.ts';
import { sha256 } from '../auth/tokens.ts';
import type { User } from '../user/user.entity.ts';
import { RecoveryCode } from './recovery-code.entity.ts';

const RECOVERY_CODE_COUNT = 10;
const RECOVERY_SHAPE = /^[a-z2-7]{5}-?[a-z2-7]{5}$/i;
const TOTP_SHAPE = /^\d{6}$/;

/** Accepts the current TOTP code (±1 step for clock drift) of `secret`. */
export async function verifyTotp(secret: string, code: string): Promise<boolean> {
  if (!TOTP_SHAPE.test(code)) return false;
  const result = await verify({ secret, token: code, epochTolerance: 30 });
  return result.valid;
}

/** Base32 without padding, 10 characters = 50 bits per code, shown as `abcde-fghij`. */
function newRecoveryCode(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = randomBytes(10);
  const chars = Array.from(bytes, (b) => alphabet[b & 31]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

const normalise = (code: string) => code.trim().toLowerCase().replace('-', '');

/** Replaces every recovery code of `user` and returns the new ones in clear, once. */
export async function replaceRecoveryCodes(em: EntityManager, user: User): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await em.nativeDelete(RecoveryCode, { user });
  for (const code of codes) em.create(RecoveryCode, { user, codeHash: sha256(normalise(code)) });
  await em.flush();
  return codes;
}

/** Spends a recovery code; the conditional update makes a code usable exactly once. */
async function useRecoveryCode(em: EntityManager, user: User, code: string): Promise<boolean> {
  const used = await em.nativeUpdate(
    RecoveryCode,
    { user, codeHash: sha256(normalise(code)), usedAt: null },
    { usedAt: new Date() },
  );
  return used === 1;
}

/**
 * The second factor of a confirmed enrolment: a TOTP code (each accepted at most once, so one seen
 * over a shoulder or in a log cannot be replayed within its window), or else an unused recovery code.
 */
export async function verifySecondFactor(ctx: UsersContext, user: User, code: string): Promise<boolean> {
  const trimmed = code.trim();
  if (user.mfaSecret && (await verifyTotp(ctx.deps.secrets.open(user.mfaSecret), trimmed))) {
    return ctx.deps.kv.set(`totp-used:${user.id}:${trimmed}`, '1', { ttlSeconds: 120, onlyIfAbsent: true });
  }
  return RECOVERY_SHAPE.test(trimmed) && useRecoveryCode(ctx.em, user, trimmed);
}

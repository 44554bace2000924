import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT } from 'jose';
import { JWT_ALG } from '../../../../kernel/auth.ts';
import { isUuid } from '../../../../kernel/validation.ts';
import type { SigningKeys } from './keys.ts';

export interface AccessTokenClaims {
  userId: string;
  /** The session, or for a partner token the API key. */
  sessionId: string;
  roles: string[];
  client?: 'partner';
}

/** Signs a short-lived access token; verifiers read `sub`, `sid` and `roles`. */
export function signAccessToken(
  keys: SigningKeys,
  claims: AccessTokenClaims,
  opts: { issuer: string; audience: string; ttlSeconds: number },
): Promise<string> {
  return new SignJWT({ sid: claims.sessionId, roles: claims.roles, ...(claims.client ? { client: claims.client } : {}) })
    .setProtectedHeader({ alg: JWT_ALG, kid: keys.kid, typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuer(opts.issuer)
    .setAudience(opts.audience)
    .setIssuedAt()
    .setExpirationTime(`${opts.ttlSeconds}s`)
    .sign(keys.privateKey);
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A refresh token names its session and generation; only the secret's hash is stored. */
export interface RefreshToken {
  sessionId: string;
  generation: number;
  secret: string;
}

export function newRefreshSecret(): string {
  return randomBytes(32).toString('base64url');
}

export const formatRefreshToken = (t: RefreshToken) => `${t.sessionId}.${t.generation}.${t.secret}`;

const REFRESH_SHAPE = /^([0-9a-f-]{36})\.(\d{1,9})\.([A-Za-z0-9_-]{43})$/;

export function parseRefreshToken(raw: string): RefreshToken | undefined {
  const match = REFRESH_SHAPE.exec(raw);
  if (!match || !isUuid(match[1] as string)) return undefined;
  return { sessionId: match[1] as string, generation: Number(match[2]), secret: match[3] as string };
}

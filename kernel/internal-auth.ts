import { createHmac, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * The gateway's credential on every call to a subgraph (HTTP header, and `connection_init` of the
 * subgraph sockets): `v1.<expires>.<HMAC-SHA256(secret, "v1.<expires>")>`, valid for two minutes.
 * Subgraphs refuse everything without it but their probes, so a subgraph reached around the gateway
 * (`_entities`, `_service`, `/internal/...`) answers nothing. Short-lived, so a leaked header ages out.
 */
export const INTERNAL_HEADER = 'x-atrium-internal';
/** The key of the credential in a graphql-ws `connection_init` payload. */
export const INTERNAL_PARAM = 'internal';

const LIFETIME_S = 120;
/** Clocks of two hosts differ a little; a credential from slightly ahead is still fine. */
const SKEW_S = 30;
/** Paths anyone may call: probes, metrics, and the public signing keys (public by nature). */
const OPEN_PATHS = new Set(['/health', '/ready', '/metrics', '/.well-known/jwks.json']);

const sign = (secret: string, payload: string) => createHmac('sha256', secret).update(payload).digest('base64url');

/** Mints credentials, reusing one until half its life is gone (one HMAC a minute, not one per call). */
export function internalCredential(secret: string): () => string {
  let current = '';
  let renewAt = 0;
  return () => {
    const now = Math.floor(Date.now() / 1000);
    if (now >= renewAt) {
      const payload = `v1.${now + LIFETIME_S}`;
      current = `${payload}.${sign(secret, payload)}`;
      renewAt = now + LIFETIME_S / 2;
    }
    return current;
  };
}

/** True for a credential this secret signed that has not expired. */
export function isInternalCredential(secret: string, value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 200) return false;
  const match = /^(v1\.(\d{1,12}))\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match?.[1] || !match[2] || !match[3]) return false;
  const expires = Number(match[2]);
  const now = Date.now() / 1000;
  if (expires < now || expires > now + LIFETIME_S + SKEW_S) return false;
  const expected = Buffer.from(sign(secret, match[1]));
  const given = Buffer.from(match[3]);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * Express middleware for subgraphs: only the gateway (or a sibling service holding the secret) gets
 * past it; anyone else gets 403 FORBIDDEN in GraphQL's error shape.
 */
export function requireInternalCredential(secret: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (OPEN_PATHS.has(req.path) || isInternalCredential(secret, req.get(INTERNAL_HEADER))) {
      next();
      return;
    }
    res.status(403).json({
      errors: [{ message: 'This service answers only the Atrium gateway', extensions: { code: 'FORBIDDEN' } }],
    });
  };
}

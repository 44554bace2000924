import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { AppError, forbidden, unauthenticated } from './errors.ts';

/** Cookie names shared by the users subgraph (which sets them) and the gateway (which reads them). */
export const ACCESS_COOKIE = 'atrium_access';
export const REFRESH_COOKIE = 'atrium_refresh';
/** Signing algorithm of access tokens: ECDSA P-256, so verifiers need only the public key. */
export const JWT_ALG = 'ES256';

/** Who is calling, as proven by a verified access token. */
export interface Identity {
  userId: string;
  sessionId: string;
  roles: string[];
  /** The verified token, forwarded as-is to subgraphs so each verifies it too. */
  token: string;
  /** Seconds since the epoch when the token stops being valid. */
  expiresAt: number;
  /** Seconds since the epoch when the token was signed; revocations end tokens signed before them. */
  issuedAt: number;
  /** `partner` for a token exchanged for an API key (sessionId is then the key's id); else `web`. */
  client: 'web' | 'partner';
}

export type TokenVerifier = (token: string) => Promise<Identity>;

/**
 * Verifies access tokens against the users subgraph's JWKS. jose caches the key set and refetches
 * it when a token names an unknown `kid`, which is how a rotated key reaches every verifier.
 */
export function createTokenVerifier(opts: {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** For the users subgraph itself, which holds the keys locally. */
  keys?: JWTVerifyGetKey;
  /**
   * Minimum time between two fetches of the key set, so a flood of tokens with made-up kids
   * cannot hammer the users subgraph.
   * @default 30000
   */
  refetchCooldownMs?: number;
}): TokenVerifier {
  const keys =
    opts.keys ??
    createRemoteJWKSet(new URL(opts.jwksUrl), { cooldownDuration: opts.refetchCooldownMs ?? 30_000, cacheMaxAge: 600_000 });
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: opts.issuer,
        audience: opts.audience,
        algorithms: [JWT_ALG],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || !Array.isArray(payload.roles)) {
        throw unauthenticated('Access token is missing required claims');
      }
      return {
        userId: payload.sub,
        sessionId: payload.sid,
        roles: payload.roles.filter((r): r is string => typeof r === 'string'),
        token,
        expiresAt: payload.exp ?? 0,
        issuedAt: payload.iat ?? 0,
        client: payload.client === 'partner' ? 'partner' : 'web',
      };
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated('Access token expired');
      if (err instanceof joseErrors.JOSEError) throw unauthenticated('Invalid access token');
      // The JWKS endpoint itself failed: not the caller's fault, but no identity either.
      throw new AppError('INTERNAL_SERVER_ERROR', 'Could not verify the access token');
    }
  };
}

/** Reads one cookie from a Cookie header without pulling in a parser for two names. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // A malformed escape is the client's garbage, not our fault: as if no cookie were sent.
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** The access token of a request: `Authorization: Bearer` first, then the HttpOnly cookie. */
export function accessTokenFrom(headers: {
  authorization?: string | undefined;
  cookie?: string | undefined;
}): { token: string; source: 'header' | 'cookie' } | undefined {
  const auth = headers.authorization;
  if (auth) {
    const match = /^Bearer\s+(\S+)$/i.exec(auth);
    if (match?.[1]) return { token: match[1], source: 'header' };
  }
  const fromCookie = readCookie(headers.cookie, ACCESS_COOKIE);
  return fromCookie ? { token: fromCookie, source: 'cookie' } : undefined;
}

/** Resolvers call this first: returns the identity or answers UNAUTHENTICATED. */
export function requireIdentity(identity: Identity | null | undefined): Identity {
  if (!identity) throw unauthenticated();
  return identity;
}

/** Like {@link requireIdentity}, and the caller must hold `role`. */
export function requireRole(identity: Identity | null | undefined, role: string): Identity {
  const who = requireIdentity(identity);
  if (!who.roles.includes(role)) throw forbidden(`Requires the ${role} role`);
  return who;
}

/** The verifier every service but users builds: the users subgraph's JWKS, our issuer and audience. */
export const verifierFromConfig = (config: { JWKS_URL: string; JWT_ISSUER: string; JWT_AUDIENCE: string }) =>
  createTokenVerifier({ jwksUrl: config.JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });

import { unauthenticated } from '../../../../kernel/errors.ts';
import { markRevoked, type RevocationReason } from '../../../../kernel/revocation.ts';
import { setAuthCookies } from '../auth/cookies.ts';
import { formatRefreshToken, newRefreshSecret, parseRefreshToken, sameDigest, sha256, signAccessToken } from '../auth/tokens.ts';
import type { UsersContext } from '../context.ts';
import type { User } from '../user/user.entity.ts';
import { Session } from './session.entity.ts';

export interface AuthPayload {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: User;
}

async function issueTokens(ctx: UsersContext, user: User, session: Session, secret: string): Promise<AuthPayload> {
  const { config, keys } = ctx.deps;
  const accessToken = await signAccessToken(
    keys,
    { userId: user.id, sessionId: session.id, roles: user.roles },
    { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL },
  );
  const refreshToken = formatRefreshToken({ sessionId: session.id, generation: session.generation, secret });
  const refreshExpiresIn = Math.max(1, Math.floor((session.expiresAt.getTime() - Date.now()) / 1000));
  ctx.signedInAs = user.id;
  setAuthCookies(ctx.res, { accessToken, refreshToken, expiresIn: config.ACCESS_TOKEN_TTL, refreshExpiresIn }, config.cookieSecure);
  return { accessToken, refreshToken, expiresIn: config.ACCESS_TOKEN_TTL, user };
}

/**
 * Signs a user in on a new session. When the user already has MAX_SESSIONS live sessions, the
 * least recently used ones end, so the newest device always gets in.
 */
export async function startSession(ctx: UsersContext, user: User): Promise<AuthPayload> {
  const { config } = ctx.deps;
  const secret = newRefreshSecret();
  const session = await ctx.em.transactional(async (em) => {
    const live = await em.find(
      Session,
      { user, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { lastUsedAt: 'desc' } },
    );
    const now = new Date();
    const evicted = live.slice(config.MAX_SESSIONS - 1);
    // Marked first: an evicted device's token must stop at the gateway too, even if what follows fails.
    await markRevoked(ctx.deps.kv, ctx.deps.bus, { ids: evicted.map((s) => s.id), reason: 'session_limit', ttlSeconds: config.ACCESS_TOKEN_TTL });
    for (const old of evicted) {
      old.revokedAt = now;
      old.revokedReason = 'session_limit';
    }
    return em.create(Session, {
      user,
      refreshHash: sha256(secret),
      userAgent: ctx.client.userAgent?.slice(0, 512) ?? null,
      ip: ctx.client.ip,
      expiresAt: new Date(now.getTime() + config.REFRESH_TOKEN_TTL * 1000),
    });
  });
  ctx.deps.logger.info({ userId: user.id, sessionId: session.id }, 'session started');
  return issueTokens(ctx, user, session, secret);
}

/**
 * Exchanges a refresh token for a new pair. The compare-and-set on `generation` makes the swap
 * atomic: of two concurrent uses of one token exactly one wins, and the other counts as a replay.
 */
export async function rotateSession(ctx: UsersContext, raw: string): Promise<AuthPayload> {
  const token = parseRefreshToken(raw);
  if (!token) throw unauthenticated('Invalid refresh token');
  const session = await ctx.em.findOne(Session, { id: token.sessionId }, { populate: ['user'] });
  if (!session?.isActive()) throw unauthenticated('Session has ended; sign in again');
  const user = session.user;

  const digest = sha256(token.secret);
  // Only a token proven to be the previous one revokes: a guessed or forged token must not end a session.
  const replayed =
    token.generation === session.generation - 1 && !!session.previousRefreshHash && sameDigest(digest, session.previousRefreshHash);
  if (replayed) {
    await revokeSessions(ctx, { id: session.id }, 'refresh_reuse');
    ctx.deps.logger.warn({ userId: user.id, sessionId: session.id }, 'refresh token replayed; session revoked');
    throw unauthenticated('Refresh token was already used; the session has been ended');
  }
  if (token.generation !== session.generation || !sameDigest(digest, session.refreshHash)) {
    throw unauthenticated('Invalid refresh token');
  }
  if (user.disabledAt) {
    await revokeSessions(ctx, { id: session.id }, 'account_disabled');
    throw unauthenticated('Session has ended; sign in again');
  }

  const secret = newRefreshSecret();
  const swapped = await ctx.em.nativeUpdate(
    Session,
    { id: session.id, generation: token.generation, revokedAt: null },
    { generation: token.generation + 1, refreshHash: sha256(secret), previousRefreshHash: session.refreshHash, lastUsedAt: new Date() },
  );
  if (swapped !== 1) {
    await revokeSessions(ctx, { id: session.id }, 'refresh_reuse');
    throw unauthenticated('Refresh token was already used; the session has been ended');
  }
  session.generation = token.generation + 1;
  return issueTokens(ctx, user, session, secret);
}

/** The live session a refresh token currently opens, or null: the secret is checked, not just the id. */
export async function sessionOfRefreshToken(ctx: UsersContext, raw: string): Promise<Session | null> {
  const token = parseRefreshToken(raw);
  const session = token ? await ctx.em.findOne(Session, { id: token.sessionId }) : null;
  if (!token || !session?.isActive() || token.generation !== session.generation) return null;
  return sameDigest(sha256(token.secret), session.refreshHash) ? session : null;
}

/**
 * Ends the matching live sessions and tells the gateway (through the shared store), so their
 * access tokens stop working everywhere at once; returns how many ended.
 */
export async function revokeSessions(
  ctx: UsersContext,
  where: { id?: string; user?: string; excludeId?: string },
  reason: RevocationReason,
): Promise<number> {
  const live = await ctx.em.find(
    Session,
    {
      ...(where.id ? { id: where.id } : {}),
      ...(where.user ? { user: where.user } : {}),
      ...(where.excludeId ? { id: { $ne: where.excludeId } } : {}),
      revokedAt: null,
    },
    { fields: ['id'] },
  );
  if (!live.length) return 0;
  const ids = live.map((s) => s.id);
  // The store first: if the database write then fails, a retry finds the sessions still live.
  await markRevoked(ctx.deps.kv, ctx.deps.bus, { ids, reason, ttlSeconds: ctx.deps.config.ACCESS_TOKEN_TTL });
  return ctx.em.nativeUpdate(Session, { id: { $in: ids }, revokedAt: null }, { revokedAt: new Date(), revokedReason: reason });
}

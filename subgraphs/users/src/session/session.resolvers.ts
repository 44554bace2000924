import { z } from 'zod';
import { readCookie, REFRESH_COOKIE } from '../../../../kernel/auth.ts';
import { AppError, notFound, unauthenticated, forbidden } from '../../../../kernel/errors.ts';
import { fields, isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.ts';
import { clearAuthCookies } from '../auth/cookies.ts';
import { verifyPassword } from '../auth/password.ts';
import { loginBudget } from '../auth/throttle.ts';
import type { UsersContext } from '../context.ts';
import { verifySecondFactor } from '../mfa/mfa.service.ts';
import { User } from '../user/user.entity.ts';
import { currentUser } from './current-user.ts';
import { Session } from './session.entity.ts';
import { revokeSessions, rotateSession, sessionOfRefreshToken, startSession } from './session.service.ts';

const LoginInput = z.object({
  email: fields.email,
  password: z.string().min(1, 'is required').max(128, 'must be at most 128 characters'),
  totp: z.string().trim().max(32).nullish(),
});

const Query: QueryResolvers<UsersContext> = {
  async sessions(_root, _args, ctx) {
    const { user, session: current } = await currentUser(ctx);
    const live = await ctx.em.find(
      Session,
      { user, revokedAt: null, expiresAt: { $gt: new Date() } },
      { orderBy: { lastUsedAt: 'desc' } },
    );
    return live.map((s) => Object.assign(s, { current: s.id === current?.id }));
  },
};

const Mutation: MutationResolvers<UsersContext> = {
  async login(_root, args, ctx) {
    const input = parseInput(LoginInput, args.input);
    // Per email and address, per address, and a slow-down per email: see loginBudget.
    const throttle = loginBudget(ctx.deps.kv, ctx.deps.config, input.email, ctx.client.ip);
    await throttle.check();

    const user = await ctx.em.findOne(User, { email: input.email });
    // Unknown email and wrong password answer identically, after the same bcrypt work.
    if (!(await verifyPassword(input.password, user?.passwordHash, ctx.deps.config.BCRYPT_COST)) || !user) {
      await throttle.fail();
      throw unauthenticated('Invalid email or password');
    }
    if (user.disabledAt) throw forbidden('This account is disabled');
    if (user.mfaEnabled) {
      if (!input.totp) throw new AppError('MFA_REQUIRED', 'This account needs a two-factor code: send it as `totp`');
      if (!(await verifySecondFactor(ctx, user, input.totp))) {
        await throttle.fail();
        throw unauthenticated('Invalid two-factor code');
      }
    }
    await throttle.clear();
    return startSession(ctx, user);
  },

  async refreshSession(_root, args, ctx) {
    const raw = args.refreshToken ?? ctx.refreshCookie;
    if (!raw) throw unauthenticated('No refresh token: pass `refreshToken` or send the refresh cookie');
    return rotateSession(ctx, raw);
  },

  async logout(_root, _args, ctx) {
    clearAuthCookies(ctx.res, ctx.deps.config.cookieSecure);
    if (ctx.identity) {
      await revokeSessions(ctx, { id: ctx.identity.sessionId, user: ctx.identity.userId }, 'logout');
      return true;
    }
    // An expired access token must not keep a browser from signing out: its refresh cookie, checked, names the session.
    const session = ctx.refreshCookie ? await sessionOfRefreshToken(ctx, ctx.refreshCookie) : null;
    if (session) await revokeSessions(ctx, { id: session.id }, 'logout');
    return true;
  },

  async logoutEverywhere(_root, _args, ctx) {
    const { user } = await currentUser(ctx);
    clearAuthCookies(ctx.res, ctx.deps.config.cookieSecure);
    return revokeSessions(ctx, { user: user.id }, 'logout_everywhere');
  },

  async revokeSession(_root, args, ctx) {
    const { user } = await currentUser(ctx);
    if (!isUuid(args.id)) throw notFound('Session');
    const ended = await revokeSessions(ctx, { id: args.id, user: user.id }, 'revoked_by_user');
    if (ended === 0) throw notFound('Session');
    return true;
  },
};

export const sessionResolvers = { Query, Mutation };

/** Reads the refresh cookie the gateway forwards from the browser. */
export const refreshCookieFrom = (cookieHeader: string | undefined) => readCookie(cookieHeader, REFRESH_COOKIE);

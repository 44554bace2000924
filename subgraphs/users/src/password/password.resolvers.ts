import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { badInput } from '../../../../kernel/errors.ts';
import { fields, parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import { inBackground } from '../auth/background.ts';
import { hashPassword, verifyPassword } from '../auth/password.ts';
import { Throttle } from '../auth/throttle.ts';
import { sha256 } from '../auth/tokens.ts';
import type { UsersContext } from '../context.ts';
import { currentUser } from '../session/current-user.ts';
import { revokeSessions } from '../session/session.service.ts';
import { User } from '../user/user.entity.ts';

const ChangeInput = z.object({ currentPassword: z.string().min(1, 'is required').max(128), newPassword: fields.password });
const ConfirmInput = z.object({ token: z.string().trim().min(1, 'is required').max(200), newPassword: fields.password });

const resetKey = (token: string) => `password-reset:${sha256(token)}`;

export const passwordResolvers: { Mutation: MutationResolvers<UsersContext> } = {
  Mutation: {
    async changePassword(_root, args, ctx) {
      const input = parseInput(ChangeInput, args.input);
      const { user, session } = await currentUser(ctx);
      const { config, kv } = ctx.deps;
      const throttle = new Throttle(kv, 'change-password', config.LOGIN_MAX_FAILURES, config.LOGIN_FAILURE_WINDOW);
      await throttle.check(user.id);
      if (!(await verifyPassword(input.currentPassword, user.passwordHash))) {
        await throttle.fail(user.id);
        throw badInput([{ path: 'input.currentPassword', message: 'is incorrect' }]);
      }
      user.passwordHash = await hashPassword(input.newPassword, config.BCRYPT_COST);
      await ctx.em.flush();
      await revokeSessions(ctx, { user: user.id, ...(session ? { excludeId: session.id } : {}) }, 'password_changed');
      return true;
    },

    async requestPasswordReset(_root, args, ctx) {
      const email = parseInput(fields.email, args.email, 'email');
      const { config, kv, mailer, logger } = ctx.deps;
      // The answer is the same for every email; a cooldown keeps anyone from mail-bombing an inbox.
      if (!(await kv.set(`password-reset:cooldown:${email}`, '1', { ttlSeconds: 60, onlyIfAbsent: true }))) return true;
      const user = await ctx.em.findOne(User, { email, disabledAt: null });
      if (!user) return true;
      // Storing the token and mailing the link happen after the answer, so a known email answers as fast
      // as an unknown one. Both start now: the store write is queued before any later confirmation's read.
      const token = randomBytes(32).toString('base64url');
      const link = config.PASSWORD_RESET_URL.replace('{token}', encodeURIComponent(token));
      const task = `password-reset:${user.id}`;
      inBackground(logger, 'password reset token', task, async () => {
        await kv.set(resetKey(token), user.id, { ttlSeconds: config.PASSWORD_RESET_TTL });
      });
      inBackground(logger, 'password reset mail', task, () =>
        mailer.send({
          to: user.email,
          subject: 'Reset your Atrium password',
          text: `Open this link to choose a new password (valid for ${Math.round(config.PASSWORD_RESET_TTL / 60)} minutes, once): ${link}\nIf you did not ask for it, ignore this mail.`,
        }),
      );
      return true;
    },

    async confirmPasswordReset(_root, args, ctx) {
      const input = parseInput(ConfirmInput, args.input);
      const { config, kv } = ctx.deps;
      const userId = await kv.take(resetKey(input.token));
      const user = userId ? await ctx.em.findOne(User, { id: userId }) : null;
      if (!user) throw badInput([{ path: 'input.token', message: 'is invalid, used or expired' }]);
      user.passwordHash = await hashPassword(input.newPassword, config.BCRYPT_COST);
      await ctx.em.flush();
      await revokeSessions(ctx, { user: user.id }, 'password_reset');
      ctx.deps.logger.info({ userId: user.id }, 'password reset');
      return true;
    },
  },
};

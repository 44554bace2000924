import { generateSecret, generateURI } from 'otplib';
import { z } from 'zod';
import { badInput, conflict } from '../../../../kernel/errors.ts';
import { parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import { verifyPassword } from '../auth/password.ts';
import { Throttle } from '../auth/throttle.ts';
import type { UsersContext } from '../context.ts';
import { currentUser } from '../session/current-user.ts';
import { RecoveryCode } from './recovery-code.entity.ts';
import { replaceRecoveryCodes, verifySecondFactor, verifyTotp } from './mfa.service.ts';

const Code = z.string().trim().min(6, 'must be a 6-digit code').max(32);
const DisableInput = z.object({ password: z.string().min(1, 'is required').max(128), code: Code });

const wrongCode = (path: string) => badInput([{ path, message: 'is not a valid code' }], 'Invalid two-factor code');

/** Code guesses share one budget per user, whichever MFA mutation makes them. */
const codeThrottle = (ctx: UsersContext) =>
  new Throttle(ctx.deps.kv, 'mfa-code', ctx.deps.config.CODE_MAX_ATTEMPTS, ctx.deps.config.LOGIN_FAILURE_WINDOW);

export const mfaResolvers: { Mutation: MutationResolvers<UsersContext> } = {
  Mutation: {
    async enrollMfa(_root, _args, ctx) {
      const { user } = await currentUser(ctx);
      if (user.mfaEnabled) throw conflict('Two-factor authentication is already on; disable it first');
      const secret = generateSecret();
      user.mfaPendingSecret = ctx.deps.secrets.seal(secret);
      await ctx.em.flush();
      return { secret, otpauthUrl: generateURI({ issuer: ctx.deps.config.MFA_ISSUER, label: user.email, secret }) };
    },

    async confirmMfa(_root, args, ctx) {
      const code = parseInput(Code, args.code, 'code');
      const { user } = await currentUser(ctx);
      if (user.mfaEnabled) throw conflict('Two-factor authentication is already on');
      if (!user.mfaPendingSecret) throw conflict('No enrolment in progress: call enrollMfa first');
      const throttle = codeThrottle(ctx);
      await throttle.check(user.id);
      if (!(await verifyTotp(ctx.deps.secrets.open(user.mfaPendingSecret), code))) {
        await throttle.fail(user.id);
        throw wrongCode('code');
      }
      await throttle.clear(user.id);
      user.mfaSecret = user.mfaPendingSecret;
      user.mfaPendingSecret = null;
      user.mfaEnabled = true;
      const codes = await ctx.em.transactional((em) => replaceRecoveryCodes(em, user));
      return { codes };
    },

    async disableMfa(_root, args, ctx) {
      const input = parseInput(DisableInput, args.input);
      const { user } = await currentUser(ctx);
      if (!user.mfaEnabled) throw conflict('Two-factor authentication is not on');
      const throttle = codeThrottle(ctx);
      await throttle.check(user.id);
      if (!(await verifyPassword(input.password, user.passwordHash))) {
        await throttle.fail(user.id);
        throw badInput([{ path: 'input.password', message: 'is incorrect' }]);
      }
      if (!(await verifySecondFactor(ctx, user, input.code))) {
        await throttle.fail(user.id);
        throw wrongCode('input.code');
      }
      user.mfaEnabled = false;
      user.mfaSecret = null;
      await ctx.em.nativeDelete(RecoveryCode, { user });
      await ctx.em.flush();
      return true;
    },

    async regenerateRecoveryCodes(_root, args, ctx) {
      const code = parseInput(Code, args.code, 'code');
      const { user } = await currentUser(ctx);
      if (!user.mfaEnabled || !user.mfaSecret) throw conflict('Two-factor authentication is not on');
      const throttle = codeThrottle(ctx);
      await throttle.check(user.id);
      if (!(await verifyTotp(ctx.deps.secrets.open(user.mfaSecret), code))) {
        await throttle.fail(user.id);
        throw wrongCode('code');
      }
      return { codes: await ctx.em.transactional((em) => replaceRecoveryCodes(em, user)) };
    },
  },
};

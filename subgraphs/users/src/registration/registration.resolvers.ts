import { randomInt } from 'node:crypto';
import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { badInput, conflict, rateLimited } from '../../../../kernel/errors.ts';
import { fields, parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers } from '../__generated__/resolvers-types.ts';
import { inBackground, settled } from '../auth/background.ts';
import { hashPassword } from '../auth/password.ts';
import { sha256 } from '../auth/tokens.ts';
import type { UsersContext } from '../context.ts';
import { startSession } from '../session/session.service.ts';
import { User } from '../user/user.entity.ts';

const RequestInput = z.object({ email: fields.email, password: fields.password, name: fields.optionalText(200) });
const ConfirmInput = z.object({
  email: fields.email,
  code: z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code from the mail'),
});

/** What waits in Redis between the two steps; the password is already hashed. */
interface PendingRegistration {
  passwordHash: string;
  name: string | null;
}

const keys = (email: string) => ({
  pending: (codeHash: string) => `registration:pending:${email}:${codeHash}`,
  cooldown: `registration:cooldown:${email}`,
  attempts: `registration:attempts:${email}`,
});

/** The background work of one email's registration requests, awaited by its confirmation. */
const registrationTask = (email: string) => `registration:${email}`;

const wrongCode = () => badInput([{ path: 'input.code', message: 'is wrong or has expired' }], 'Invalid or expired code');

export const registrationResolvers: { Mutation: MutationResolvers<UsersContext> } = {
  Mutation: {
    async requestRegistration(_root, args, ctx) {
      const input = parseInput(RequestInput, args.input);
      const { kv, config, mailer, logger } = ctx.deps;
      const key = keys(input.email);
      const fresh = await kv.set(key.cooldown, '1', { ttlSeconds: config.REGISTRATION_RESEND_COOLDOWN, onlyIfAbsent: true });
      if (!fresh) throw rateLimited(await kv.ttl(key.cooldown), 'A code was sent moments ago; wait before asking again');

      // A taken email answers like a free one, in the same time: the mail, the bcrypt hash and the
      // pending record are done in the background, after the answer.
      const taken = (await ctx.em.count(User, { email: input.email })) > 0;
      const task = registrationTask(input.email);
      if (taken) {
        inBackground(logger, 'registration notice', task, () =>
          mailer.send({
            to: input.email,
            subject: 'Someone tried to register with your email',
            text: 'Someone tried to create an Atrium account with this email. You already have one: sign in, or reset your password if you forgot it.',
          }),
        );
        return true;
      }
      // Each request is its own pending registration, found by its code: a code only ever creates the
      // account with the password of the request that mailed it, so nobody can swap theirs in.
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      inBackground(logger, 'registration code mail', task, () =>
        mailer.send({
          to: input.email,
          subject: 'Your Atrium confirmation code',
          text: `Your confirmation code is ${code}. It expires in ${Math.round(config.REGISTRATION_CODE_TTL / 60)} minutes.`,
        }),
      );
      inBackground(logger, 'registration pending record', task, async () => {
        const pending: PendingRegistration = { passwordHash: await hashPassword(input.password, config.BCRYPT_COST), name: input.name };
        await kv.set(key.pending(sha256(code)), JSON.stringify(pending), { ttlSeconds: config.REGISTRATION_CODE_TTL });
      });
      return true;
    },

    async confirmRegistration(_root, args, ctx) {
      const input = parseInput(ConfirmInput, args.input);
      const { kv, config } = ctx.deps;
      const key = keys(input.email);
      // A code can arrive before its request's background work stored it (on this process): wait for it.
      await settled(registrationTask(input.email));
      const attempts = await kv.increment(key.attempts, config.REGISTRATION_CODE_TTL);
      // Past the budget every code is refused until the counter's window ends, so guessing stays bounded.
      if (attempts > config.CODE_MAX_ATTEMPTS) {
        throw rateLimited(await kv.ttl(key.attempts), 'Too many wrong codes; request a new one later');
      }
      // take() is atomic: of two concurrent confirmations only one creates the account.
      const stored = await kv.take(key.pending(sha256(input.code)));
      if (!stored) throw wrongCode();
      const pending = JSON.parse(stored) as PendingRegistration;
      await kv.del(key.attempts);

      const user = ctx.em.create(User, { email: input.email, passwordHash: pending.passwordHash, name: pending.name });
      try {
        await ctx.em.flush();
      } catch (err) {
        if (err instanceof UniqueConstraintViolationException) throw conflict('This email is already registered');
        throw err;
      }
      ctx.deps.logger.info({ userId: user.id }, 'user registered');
      return startSession(ctx, user);
    },
  },
};

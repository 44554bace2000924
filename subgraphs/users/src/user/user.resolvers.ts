import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { forbidden } from '../../../../kernel/errors.ts';
import { fields, isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers, QueryResolvers, UserResolvers } from '../__generated__/resolvers-types.ts';
import type { UsersContext } from '../context.ts';
import { currentUser } from '../session/current-user.ts';
import { User } from './user.entity.ts';

const UpdateMeInput = z
  .object({
    name: fields.optionalText(200),
    company: fields.optionalText(200),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9 ()-]{5,40}$/, 'must be a phone number (digits, spaces, +, -, parentheses)')
      .nullish(),
    telegram: z
      .string()
      .trim()
      .regex(/^@?[A-Za-z0-9_]{5,32}$/, 'must be a Telegram username (5-32 letters, digits or _)')
      .nullish(),
  })
  .strict();

/** One `select ... where id in (...)` for every `User` reference the gateway asks for in a request. */
export function userLoader(em: EntityManager): DataLoader<string, User | null> {
  return new DataLoader(async (ids) => {
    const valid = ids.filter(isUuid);
    const found = valid.length ? await em.find(User, { id: { $in: valid } }) : [];
    const byId = new Map(found.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const Query: QueryResolvers<UsersContext> = {
  async me(_root, _args, ctx) {
    if (!ctx.identity) return null;
    return (await currentUser(ctx)).user;
  },
};

const Mutation: MutationResolvers<UsersContext> = {
  async updateMe(_root, args, ctx) {
    const input = parseInput(UpdateMeInput, args.input);
    const { user } = await currentUser(ctx);
    // Only the keys the client sent change; an explicit null clears a field.
    for (const key of ['name', 'company', 'phone', 'telegram'] as const) {
      if (key in args.input) user[key] = input[key] ?? null;
    }
    await ctx.em.flush();
    return user;
  },
};

/** Contact details are the owner's and admins' business, however the `User` was reached (`me`, `_entities`). */
const mayContact = (user: User, ctx: UsersContext) =>
  ctx.signedInAs === user.id || (!!ctx.identity && (ctx.identity.userId === user.id || ctx.identity.roles.includes('admin')));

const UserType: UserResolvers<UsersContext> = {
  __resolveReference: (ref, ctx) => ctx.userById.load(ref.id),
  email: (user, _args, ctx) => {
    if (!mayContact(user, ctx)) throw forbidden("Only the account's owner and admins see its email");
    return user.email;
  },
  phone: (user, _args, ctx) => (mayContact(user, ctx) ? (user.phone ?? null) : null),
  telegram: (user, _args, ctx) => (mayContact(user, ctx) ? (user.telegram ?? null) : null),
};

export const userResolvers = { Query, Mutation, User: UserType };

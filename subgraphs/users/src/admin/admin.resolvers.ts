import { z } from 'zod';
import { requireRole } from '../../../../kernel/auth.ts';
import { badInput, forbidden, notFound } from '../../../../kernel/errors.ts';
import { cursor, fields, isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.ts';
import type { UsersContext } from '../context.ts';
import { currentUser } from '../session/current-user.ts';
import { endKeyTokensOf } from '../api-key/api-key.service.ts';
import { revokeSessions } from '../session/session.service.ts';
import { ROLES, User } from '../user/user.entity.ts';

const ListArgs = z.object({
  first: fields.pageSize().nullish(),
  after: z.string().max(200).nullish(),
  search: z.string().trim().max(320).nullish(),
});
const RoleArg = z.enum(ROLES, { message: `must be one of: ${ROLES.join(', ')}` });

/** Admin actions check the role in the token and that the admin's own session is still live. */
async function requireAdmin(ctx: UsersContext) {
  requireRole(ctx.identity, 'admin');
  const { user } = await currentUser(ctx);
  if (!user.roles.includes('admin')) throw forbidden('Requires the admin role');
  return user;
}

async function findUser(ctx: UsersContext, id: string): Promise<User> {
  const user = isUuid(id) ? await ctx.em.findOne(User, { id }) : null;
  if (!user) throw notFound('User');
  return user;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const Query: QueryResolvers<UsersContext> = {
  async users(_root, args, ctx) {
    await requireAdmin(ctx);
    const { first, after, search } = parseInput(ListArgs, args, 'args');
    const size = first ?? 20;
    const filter = search ? { email: { $ilike: `%${escapeLike(search.toLowerCase())}%` } } : {};
    const position = after ? cursor.decode(after) : undefined;
    // Keyset pagination, newest first: stable while accounts are added during paging.
    const page = await ctx.em.find(
      User,
      position
        ? {
            ...filter,
            $or: [
              { createdAt: { $lt: position.createdAt } },
              { createdAt: position.createdAt, id: { $lt: position.id } },
            ],
          }
        : filter,
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    const nodes = page.slice(0, size);
    const edges = nodes.map((node) => ({ cursor: cursor.encode(node.createdAt, node.id), node }));
    return {
      edges,
      pageInfo: { hasNextPage: page.length > size, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: await ctx.em.count(User, filter),
    };
  },

  async user(_root, args, ctx) {
    await requireAdmin(ctx);
    return isUuid(args.id) ? ctx.em.findOne(User, { id: args.id }) : null;
  },
};

const Mutation: MutationResolvers<UsersContext> = {
  async disableUser(_root, args, ctx) {
    const admin = await requireAdmin(ctx);
    if (args.id === admin.id) throw badInput([{ path: 'id', message: 'you cannot disable your own account' }]);
    const user = await findUser(ctx, args.id);
    user.disabledAt ??= new Date();
    await ctx.em.flush();
    const ended = await revokeSessions(ctx, { user: user.id }, 'account_disabled');
    await endKeyTokensOf(ctx.deps, ctx.em, user.id, 'account_disabled');
    ctx.deps.logger.info({ adminId: admin.id, userId: user.id, sessionsEnded: ended }, 'account disabled');
    return user;
  },

  async enableUser(_root, args, ctx) {
    const admin = await requireAdmin(ctx);
    const user = await findUser(ctx, args.id);
    user.disabledAt = null;
    await ctx.em.flush();
    ctx.deps.logger.info({ adminId: admin.id, userId: user.id }, 'account enabled');
    return user;
  },

  async grantRole(_root, args, ctx) {
    const admin = await requireAdmin(ctx);
    const role = parseInput(RoleArg, args.role, 'role');
    const user = await findUser(ctx, args.userId);
    if (!user.roles.includes(role)) user.roles = [...user.roles, role];
    await ctx.em.flush();
    ctx.deps.logger.info({ adminId: admin.id, userId: user.id, role }, 'role granted');
    return user;
  },

  async revokeRole(_root, args, ctx) {
    const admin = await requireAdmin(ctx);
    const role = parseInput(RoleArg, args.role, 'role');
    if (args.userId === admin.id && role === 'admin') {
      throw badInput([{ path: 'role', message: 'you cannot remove your own admin role' }]);
    }
    const user = await findUser(ctx, args.userId);
    user.roles = user.roles.filter((r) => r !== role);
    await ctx.em.flush();
    // Tokens carry roles: the user signs in again rather than keep a lost role for 15 minutes.
    await revokeSessions(ctx, { user: user.id }, 'roles_changed');
    await endKeyTokensOf(ctx.deps, ctx.em, user.id, 'roles_changed');
    ctx.deps.logger.info({ adminId: admin.id, userId: user.id, role }, 'role revoked');
    return user;
  },
};

export const adminResolvers = { Query, Mutation };

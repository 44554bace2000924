import { z } from 'zod';
import { requireIdentity } from '../../../../kernel/auth.ts';
import { badInput, forbidden, notFound } from '../../../../kernel/errors.ts';
import { cursor, fields, isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { ConversationResolvers, MutationResolvers, QueryResolvers, UserResolvers } from '../__generated__/resolvers-types.ts';
import type { ConversationsContext } from '../context.ts';
import { Message } from '../message/message.entity.ts';
import { findMembership, isAtOrBefore, requireMembership } from './access.ts';
import { Conversation } from './conversation.entity.ts';
import { Participant } from './participant.entity.ts';

const PageArgs = z.object({ first: fields.pageSize().nullish(), after: z.string().max(200).nullish() });

const createInput = (maxParticipants: number) =>
  z.object({
    title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    instanceId: z.string().refine(isUuid, 'must be an instance id').nullish(),
    participantIds: z
      .array(z.string().refine(isUuid, 'must be a user id'))
      .max(maxParticipants - 1, `at most ${maxParticipants - 1} other people`)
      .nullish(),
  });

/** The caller's conversations by last activity, newest first: one index scan of their participant rows. */
async function conversationsOf(ctx: ConversationsContext, userId: string, args: unknown) {
  const { first, after } = parseInput(PageArgs, args, 'args');
  const size = first ?? 20;
  const position = after ? cursor.decode(after) : undefined;
  const page = await ctx.em.find(
    Participant,
    {
      userId,
      ...(position && {
        $or: [{ activityAt: { $lt: position.createdAt } }, { activityAt: position.createdAt, conversation: { $lt: position.id } }],
      }),
    },
    { orderBy: { activityAt: 'desc', conversation: 'desc' }, limit: size + 1, populate: ['conversation'] },
  );
  const edges = page.slice(0, size).map((p) => ({ cursor: cursor.encode(p.activityAt, p.conversation.id), node: p.conversation }));
  return { edges, pageInfo: { hasNextPage: page.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}

const Query: QueryResolvers<ConversationsContext> = {
  conversations: (_root, args, ctx) => conversationsOf(ctx, requireIdentity(ctx.identity).userId, args),
  async conversation(_root, args, ctx) {
    const me = requireIdentity(ctx.identity);
    return (await findMembership(ctx.em, me.userId, args.id))?.conversation ?? null;
  },
};

const Mutation: MutationResolvers<ConversationsContext> = {
  async createConversation(_root, args, ctx) {
    const me = requireIdentity(ctx.identity);
    const input = parseInput(createInput(ctx.deps.config.MAX_PARTICIPANTS), args.input);
    // Only one's own instance, as the instances subgraph last told this one (its change events).
    if (input.instanceId && !(await ctx.deps.replica.ownsInstance(me.userId, input.instanceId))) throw notFound('Instance');
    const others = [...new Set(input.participantIds ?? [])].filter((id) => id !== me.userId);
    const existing = await ctx.deps.existingUsers(others);
    const missing = others.filter((id) => !existing.has(id));
    if (missing.length) throw badInput(missing.map((id) => ({ path: 'input.participantIds', message: `no user ${id}` })));
    return ctx.em.transactional(async (em) => {
      const now = new Date();
      const conversation = em.create(Conversation, {
        ownerId: me.userId,
        title: input.title,
        instanceId: input.instanceId ?? null,
        createdAt: now,
        lastMessageAt: null,
      });
      for (const userId of [me.userId, ...others]) em.create(Participant, { conversation, userId, joinedAt: now, activityAt: now });
      await em.flush();
      return conversation;
    });
  },

  async markRead(_root, args, ctx) {
    const membership = await requireMembership(ctx, args.conversationId);
    const conversation = membership.conversation;
    const upTo = args.upTo
      ? isUuid(args.upTo)
        ? await ctx.em.findOne(Message, { id: args.upTo, conversation: conversation.id })
        : null
      : await ctx.em.findOne(Message, { conversation: conversation.id }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    if (args.upTo && !upTo) throw notFound('Message');
    // Read state only moves forward: marking an older message read again changes nothing.
    if (upTo && !isAtOrBefore(upTo, membership.readAt, membership.readMessageId)) {
      membership.readAt = upTo.createdAt;
      membership.readMessageId = upTo.id;
      await ctx.em.flush();
    }
    return conversation;
  },

  async deleteConversation(_root, args, ctx) {
    const membership = await requireMembership(ctx, args.id);
    if (membership.conversation.ownerId !== membership.userId) throw forbidden('Only the conversation’s owner may delete it');
    await ctx.em.nativeDelete(Conversation, { id: membership.conversation.id });
    return membership.conversation.id;
  },
};

const ConversationType: ConversationResolvers<ConversationsContext> = {
  async __resolveReference(ref, ctx) {
    const me = ctx.identity;
    return me ? ((await findMembership(ctx.em, me.userId, ref.id))?.conversation ?? null) : null;
  },
  instance: (conversation) => (conversation.instanceId ? { __typename: 'Instance' as const, id: conversation.instanceId } : null),
  async participants(conversation, _args, ctx) {
    const rows = await ctx.em.find(Participant, { conversation: conversation.id }, { orderBy: { joinedAt: 'asc', userId: 'asc' } });
    // The owner first, then everyone else in the order they joined.
    rows.sort((a, b) => Number(b.userId === conversation.ownerId) - Number(a.userId === conversation.ownerId));
    return rows.map((p) => ({ __typename: 'User' as const, id: p.userId }));
  },
  async unreadCount(conversation, _args, ctx) {
    const me = requireIdentity(ctx.identity);
    const membership = await ctx.em.findOne(Participant, { conversation: conversation.id, userId: me.userId });
    const read = membership?.readAt && membership.readMessageId ? { at: membership.readAt, id: membership.readMessageId } : null;
    return ctx.em.count(Message, {
      conversation: conversation.id,
      $or: [{ authorId: null }, { authorId: { $ne: me.userId } }],
      ...(read && { $and: [{ $or: [{ createdAt: { $gt: read.at } }, { createdAt: read.at, id: { $gt: read.id } }] }] }),
    });
  },
  async messages(conversation, args, ctx) {
    const { first, after } = parseInput(PageArgs, args, 'args');
    const size = first ?? 20;
    const position = after ? cursor.decode(after) : undefined;
    const page = await ctx.em.find(
      Message,
      {
        conversation: conversation.id,
        ...(position && {
          $or: [{ createdAt: { $lt: position.createdAt } }, { createdAt: position.createdAt, id: { $lt: position.id } }],
        }),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    const edges = page.slice(0, size).map((node) => ({ cursor: cursor.encode(node.createdAt, node.id), node }));
    return { edges, pageInfo: { hasNextPage: page.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  },
};

const UserType: UserResolvers<ConversationsContext> = {
  // Only the user sees their own list: anyone else gets an empty page, as for User.instances.
  conversations: (user, args, ctx) =>
    ctx.identity?.userId === user.id ? conversationsOf(ctx, user.id, args) : { edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
};

export const conversationResolvers = { Query, Mutation, Conversation: ConversationType, User: UserType };

import { UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { requireIdentity } from '../../../../kernel/auth.ts';
import { conflict, notFound } from '../../../../kernel/errors.ts';
import { isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { MessageResolvers, MutationResolvers } from '../__generated__/resolvers-types.ts';
import type { ConversationsContext } from '../context.ts';
import { findMembership, isAtOrBefore, requireMembership } from '../conversation/access.ts';
import { Conversation } from '../conversation/conversation.entity.ts';
import { Participant } from '../conversation/participant.entity.ts';
import { Message } from './message.entity.ts';

const sendInput = (maxChars: number) =>
  z.object({
    conversationId: z.string(),
    content: z.string().trim().min(1, 'must not be empty').max(maxChars, `must be at most ${maxChars} characters`),
    parentId: z.string().refine(isUuid, 'must be a message id').nullish(),
    clientRequestId: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').nullish(),
  });

/** A retried send (same sender, same clientRequestId) gets the first message back, never a second one. */
async function earlierSend(ctx: ConversationsContext, authorId: string, clientRequestId: string, conversationId: string) {
  const earlier = await ctx.em.fork().findOne(Message, { authorId, clientRequestId }, { populate: ['conversation'] });
  if (earlier && earlier.conversation.id !== conversationId) throw conflict('This clientRequestId was already used for a message in another conversation');
  return earlier;
}

const Mutation: MutationResolvers<ConversationsContext> = {
  async sendMessage(_root, args, ctx) {
    const me = requireIdentity(ctx.identity);
    const input = parseInput(sendInput(ctx.deps.config.MAX_MESSAGE_CHARS), args.input);
    const membership = await requireMembership(ctx, input.conversationId);
    const conversationId = membership.conversation.id;
    if (input.clientRequestId) {
      const earlier = await earlierSend(ctx, me.userId, input.clientRequestId, conversationId);
      if (earlier) return { message: earlier, reply: null };
    }
    if (input.parentId && !(await ctx.em.count(Message, { id: input.parentId, conversation: conversationId }))) throw notFound('Parent message');
    try {
      const message = await ctx.em.transactional(async (em) => {
        const now = new Date();
        const message = em.create(Message, {
          conversation: conversationId,
          authorId: me.userId,
          role: 'USER',
          content: input.content,
          parentId: input.parentId ?? null,
          status: 'COMPLETED',
          clientRequestId: input.clientRequestId ?? null,
          createdAt: now,
          completedAt: now,
        });
        await em.flush();
        await em.nativeUpdate(Conversation, { id: conversationId }, { lastMessageAt: now });
        await em.nativeUpdate(Participant, { conversation: conversationId }, { activityAt: now });
        // One's own message is read by its author.
        await em.nativeUpdate(Participant, { conversation: conversationId, userId: me.userId }, { readAt: now, readMessageId: message.id });
        return message;
      });
      return { message, reply: null };
    } catch (err) {
      // Two concurrent sends with one clientRequestId: the loser returns the winner's message.
      if (err instanceof UniqueConstraintViolationException && input.clientRequestId) {
        const earlier = await earlierSend(ctx, me.userId, input.clientRequestId, conversationId);
        if (earlier) return { message: earlier, reply: null };
      }
      throw err;
    }
  },
};

const MessageType: MessageResolvers<ConversationsContext> = {
  async __resolveReference(ref, ctx) {
    const me = ctx.identity;
    if (!me || !isUuid(ref.id)) return null;
    const message = await ctx.em.findOne(Message, { id: ref.id });
    return message && (await findMembership(ctx.em, me.userId, message.conversation.id)) ? message : null;
  },
  conversationId: (message) => message.conversation.id,
  author: (message) => (message.authorId ? { __typename: 'User' as const, id: message.authorId } : null),
  parent: (message, _args, ctx) => (message.parentId ? ctx.em.findOne(Message, { id: message.parentId }) : null),
  citations: (message) => message.citations ?? [],
  usage: (message) =>
    message.inputTokens === null || message.inputTokens === undefined ? null : { inputTokens: message.inputTokens, outputTokens: message.outputTokens ?? 0 },
  async isRead(message, _args, ctx) {
    const me = requireIdentity(ctx.identity);
    if (message.authorId === me.userId) return true;
    const membership = await ctx.em.findOne(Participant, { conversation: message.conversation.id, userId: me.userId });
    return isAtOrBefore(message, membership?.readAt, membership?.readMessageId);
  },
};

export const messageResolvers = { Mutation, Message: MessageType };

import type { EntityManager } from '@mikro-orm/postgresql';
import { requireIdentity } from '../../../../kernel/auth.ts';
import { notFound } from '../../../../kernel/errors.ts';
import { isUuid } from '../../../../kernel/validation.ts';
import type { ConversationsContext } from '../context.ts';
import { Participant } from './participant.entity.ts';

/** The caller's place in a conversation, or null: someone else's conversation looks like a missing one. */
export async function findMembership(em: EntityManager, userId: string, conversationId: string): Promise<Participant | null> {
  if (!isUuid(conversationId)) return null;
  return em.findOne(Participant, { conversation: conversationId, userId }, { populate: ['conversation'] });
}

/** Like {@link findMembership}, for resolvers that act on the conversation: NOT_FOUND when the caller is not in it. */
export async function requireMembership(ctx: ConversationsContext, conversationId: string): Promise<Participant> {
  const me = requireIdentity(ctx.identity);
  const membership = await findMembership(ctx.em, me.userId, conversationId);
  if (!membership) throw notFound('Conversation');
  return membership;
}

/** Whether a message (by time, then id) is at or before a read position. */
export const isAtOrBefore = (message: { createdAt: Date; id: string }, readAt: Date | null | undefined, readId: string | null | undefined) =>
  Boolean(readAt && readId && (message.createdAt < readAt || (message.createdAt.getTime() === readAt.getTime() && message.id <= readId)));

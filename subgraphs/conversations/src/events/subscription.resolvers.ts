import { withFilter } from 'graphql-subscriptions';
import { requireIdentity } from '../../../../kernel/auth.ts';
import type { LoggedEvent } from '../../../../cdc/delivery/change-log.ts';
import { openChangeFeed } from '../../../../cdc/delivery/change-feed.ts';
import type { ConversationsContext } from '../context.ts';
import { Participant } from '../conversation/participant.entity.ts';
import { Message } from '../message/message.entity.ts';
import { CONVERSATION_EVENTS, type ConversationEventMessage } from './conversation-events.ts';

interface EventArgs {
  conversationId?: string | null;
  after?: string | null;
}

/** Participants only, asked per event: someone removed from (or a deleted) conversation hears no more. */
async function mayHear(ctx: ConversationsContext, event: ConversationEventMessage, wanted?: string | null) {
  if (wanted && wanted !== event.conversationId) return false;
  const me = ctx.identity;
  return Boolean(me && (await ctx.deps.orm.em.fork().count(Participant, { conversation: event.conversationId, userId: me.userId })));
}

const Subscription = {
  conversationEvents: {
    subscribe: withFilter<LoggedEvent<ConversationEventMessage>, EventArgs, ConversationsContext>(
      async (_root, args, ctx) => {
        requireIdentity(ctx?.identity);
        return (await openChangeFeed((ctx as ConversationsContext).deps.changes, CONVERSATION_EVENTS, args?.after)) as never;
      },
      (logged, args, ctx) => Boolean(logged && ctx) && mayHear(ctx as ConversationsContext, (logged as LoggedEvent<ConversationEventMessage>).event, args?.conversationId),
    ),
    // The message as it is now (its text may have grown since), read fresh: null once it is gone.
    resolve: async ({ event, cursor }: LoggedEvent<ConversationEventMessage>, _args: unknown, ctx: ConversationsContext) => {
      // A subscription's context lives as long as its socket: each event reads through a fresh EntityManager.
      ctx.em = ctx.deps.orm.em.fork();
      return {
      type: event.type,
      conversationId: event.conversationId,
      message: event.messageId ? await ctx.em.findOne(Message, { id: event.messageId }) : null,
      reader: event.readerId ? { __typename: 'User' as const, id: event.readerId } : null,
      occurredAt: new Date(event.occurredAt),
      sequence: cursor,
      };
    },
  },
};

const Query = {
  eventCursor: async (_root: unknown, _args: unknown, ctx: ConversationsContext) => {
    requireIdentity(ctx.identity);
    return ctx.deps.changes.now();
  },
};

export const subscriptionResolvers = { Query, Subscription };

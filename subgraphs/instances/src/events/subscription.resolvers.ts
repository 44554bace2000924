import { withFilter } from 'graphql-subscriptions';
import { requireIdentity } from '../../../../kernel/auth.ts';
import type { SubscriptionResolvers } from '../__generated__/resolvers-types.ts';
import type { InstancesContext } from '../context.ts';
import type { Instance } from '../instance/instance.entity.ts';
import { isAdmin } from '../instance/access.ts';
import { createLoaders } from '../loaders.ts';
import { KnowledgeBase } from '../knowledge-base/knowledge-base.entity.ts';
import type { KnowledgeBaseEntry } from '../knowledge-base/knowledge-base-entry.entity.ts';
import type { LoggedEvent } from '../../../../cdc/delivery/change-log.ts';
import { openChangeFeed } from '../../../../cdc/delivery/change-feed.ts';
import { ENTRY_EVENTS, type EntryEventMessage, INSTANCE_EVENTS, type InstanceEventMessage } from '../../../../cdc/published/instances.ts';

/** Who may see events of an instance: its owner, and admins. */
const mayWatch = (ctx: InstancesContext, ownerId: string, instanceId: string, wanted?: string | null) =>
  (!wanted || wanted === instanceId) && (ownerId === ctx.identity?.userId || isAdmin(ctx));

// A knowledge base never moves to another instance, so its owner can be cached for good.
const knowledgeBaseOwners = new Map<string, { instanceId: string; ownerId: string }>();

async function ownerOfKnowledgeBase(ctx: InstancesContext, knowledgeBaseId: string) {
  const cached = knowledgeBaseOwners.get(knowledgeBaseId);
  if (cached) return cached;
  const kb = await ctx.deps.orm.em.fork().findOne(KnowledgeBase, { id: knowledgeBaseId }, { populate: ['instance'] });
  if (!kb) return undefined;
  const owner = { instanceId: kb.instance.id, ownerId: kb.instance.ownerId };
  if (knowledgeBaseOwners.size > 100_000) knowledgeBaseOwners.clear();
  knowledgeBaseOwners.set(knowledgeBaseId, owner);
  return owner;
}

/**
 * A subscription's context lives as long as its socket; each event gets a fresh EntityManager and
 * loaders, so counts and rows it reads are current, not cached from the first event.
 */
function freshReads(ctx: InstancesContext): void {
  ctx.em = ctx.deps.orm.em.fork();
  ctx.loaders = createLoaders(ctx.em);
}

/** Every event subscription takes an optional filter and the cursor to resume after. */
interface EventArgs {
  instanceId?: string | null;
  after?: string | null;
}

const Subscription: SubscriptionResolvers<InstancesContext> = {
  instanceEvents: {
    subscribe: withFilter<LoggedEvent<InstanceEventMessage>, EventArgs, InstancesContext>(
      async (_root, args, ctx) => {
        requireIdentity(ctx?.identity);
        return (await openChangeFeed((ctx as InstancesContext).deps.changes, INSTANCE_EVENTS, args?.after)) as never;
      },
      (logged, args, ctx) =>
        Boolean(logged && ctx && mayWatch(ctx, logged.event.ownerId, logged.event.instanceId, args?.instanceId)),
    ) as never,
    resolve: ({ event, cursor }: LoggedEvent<InstanceEventMessage>, _args: unknown, ctx: InstancesContext) => {
      freshReads(ctx);
      return {
      type: event.type,
      instanceId: event.instanceId,
      // The row as the change left it: resolvers of Instance read the same fields an entity has.
      instance: event.instance as unknown as Instance | null,
      changedFields: event.changedFields,
      occurredAt: new Date(event.occurredAt),
      sequence: cursor,
      };
    },
  },
  knowledgeBaseEntryEvents: {
    subscribe: withFilter<LoggedEvent<EntryEventMessage>, EventArgs, InstancesContext>(
      async (_root, args, ctx) => {
        requireIdentity(ctx?.identity);
        return (await openChangeFeed((ctx as InstancesContext).deps.changes, ENTRY_EVENTS, args?.after)) as never;
      },
      async (logged, args, ctx) => {
        const owner = logged && ctx && (await ownerOfKnowledgeBase(ctx, logged.event.knowledgeBaseId));
        return Boolean(owner && ctx && mayWatch(ctx, owner.ownerId, owner.instanceId, args?.instanceId));
      },
    ) as never,
    resolve: async ({ event, cursor }: LoggedEvent<EntryEventMessage>, _args: unknown, ctx: InstancesContext) => {
      freshReads(ctx);
      return {
      type: event.type,
      instanceId: knowledgeBaseOwners.get(event.knowledgeBaseId)?.instanceId ?? '',
      entryId: event.entryId,
      entry: event.entry as unknown as KnowledgeBaseEntry | null,
      occurredAt: new Date(event.occurredAt),
      sequence: cursor,
      };
    },
  },
};

const Query = {
  eventCursor: async (_root: unknown, _args: unknown, ctx: InstancesContext) => {
    requireIdentity(ctx.identity);
    return ctx.deps.changes.now();
  },
};

export const subscriptionResolvers = { Query, Subscription };

import { withFilter } from 'graphql-subscriptions';
import { requireIdentity } from '../../../../kernel/auth.ts';
import type { SubscriptionResolvers } from '../__generated__/resolvers-types.ts';
import type { InstancesContext } from '../context.ts';
import type { Instance } from '../instance/instance.entity.ts';
import { isAdmin } from '../instance/access.ts';
import { createLoaders } from '../loaders.ts';
import { KnowledgeBase } from '../knowledge-base/knowledge-base.entity.ts';
import type { KnowledgeBaseEntry } from '../knowledge-base/knowledge-base-entry.entity.ts';
import { ENTRY_EVENTS, type EntryEventMessage, INSTANCE_EVENTS, type InstanceEventMessage } from './instance-events.ts';

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

const Subscription: SubscriptionResolvers<InstancesContext> = {
  instanceEvents: {
    subscribe: withFilter<InstanceEventMessage, { instanceId?: string | null }, InstancesContext>(
      (_root, _args, ctx) => {
        requireIdentity(ctx?.identity);
        return (ctx as InstancesContext).deps.bus.listen<InstanceEventMessage>(INSTANCE_EVENTS);
      },
      (event, args, ctx) =>
        Boolean(event && ctx && mayWatch(ctx, event.ownerId, event.instanceId, args?.instanceId)),
    ) as never,
    resolve: (event: InstanceEventMessage, _args: unknown, ctx: InstancesContext) => {
      freshReads(ctx);
      return {
      type: event.type,
      instanceId: event.instanceId,
      // The row as the change left it: resolvers of Instance read the same fields an entity has.
      instance: event.instance as unknown as Instance | null,
      changedFields: event.changedFields,
      occurredAt: new Date(event.occurredAt),
      sequence: event.position.sequence,
      };
    },
  },
  knowledgeBaseEntryEvents: {
    subscribe: withFilter<EntryEventMessage, { instanceId?: string | null }, InstancesContext>(
      (_root, _args, ctx) => {
        requireIdentity(ctx?.identity);
        return (ctx as InstancesContext).deps.bus.listen<EntryEventMessage>(ENTRY_EVENTS);
      },
      async (event, args, ctx) => {
        const owner = event && ctx && (await ownerOfKnowledgeBase(ctx, event.knowledgeBaseId));
        return Boolean(owner && ctx && mayWatch(ctx, owner.ownerId, owner.instanceId, args?.instanceId));
      },
    ) as never,
    resolve: async (event: EntryEventMessage, _args: unknown, ctx: InstancesContext) => {
      freshReads(ctx);
      return {
      type: event.type,
      instanceId: knowledgeBaseOwners.get(event.knowledgeBaseId)?.instanceId ?? '',
      entryId: event.entryId,
      entry: event.entry as unknown as KnowledgeBaseEntry | null,
      occurredAt: new Date(event.occurredAt),
      sequence: event.position.sequence,
      };
    },
  },
};

export const subscriptionResolvers = { Subscription };

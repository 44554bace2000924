import { z } from 'zod';
import { requireIdentity } from '../../../../kernel/auth.ts';
import { notFound } from '../../../../kernel/errors.ts';
import { cursor, fields, isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { KnowledgeBaseResolvers, MutationResolvers } from '../__generated__/resolvers-types.ts';
import type { InstancesContext } from '../context.ts';
import { findOwnInstance } from '../instance/access.ts';
import { Instance } from '../instance/instance.entity.ts';
import { KnowledgeBaseEntry } from './knowledge-base-entry.entity.ts';

const entryInput = (maxChars: number) =>
  z.object({
    title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
    content: z.string().min(1, 'must not be empty').max(maxChars, `must be at most ${maxChars} characters`),
    sourceUrl: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .max(2048, 'must be at most 2048 characters')
      .nullish(),
  });
const PageArgs = z.object({ first: fields.pageSize().nullish(), after: z.string().max(200).nullish() });

/** Adding or removing an entry is a change of the instance, so its `updatedAt` moves in the same transaction. */
const touch = (ctx: InstancesContext, instanceId: string) =>
  ctx.em.nativeUpdate(Instance, { id: instanceId }, { updatedAt: new Date() });

const Mutation: MutationResolvers<InstancesContext> = {
  async addKnowledgeBaseEntry(_root, args, ctx) {
    const instance = await findOwnInstance(ctx, args.instanceId);
    const input = parseInput(entryInput(ctx.deps.config.MAX_ENTRY_CHARS), args.input);
    const knowledgeBase = await ctx.loaders.knowledgeBaseByInstance.load(instance.id);
    return ctx.em.transactional(async (em) => {
      const entry = em.create(KnowledgeBaseEntry, { knowledgeBase, ...input, sourceUrl: input.sourceUrl ?? null });
      await em.flush();
      await touch(ctx, instance.id);
      return entry;
    });
  },

  async deleteKnowledgeBaseEntry(_root, args, ctx) {
    const who = requireIdentity(ctx.identity);
    const entry = isUuid(args.id)
      ? await ctx.em.findOne(KnowledgeBaseEntry, { id: args.id }, { populate: ['knowledgeBase.instance'] })
      : null;
    const instance = entry?.knowledgeBase.instance;
    if (!entry || !instance || instance.ownerId !== who.userId) throw notFound('Knowledge base entry');
    await ctx.em.transactional(async (em) => {
      await em.nativeDelete(KnowledgeBaseEntry, { id: entry.id });
      await touch(ctx, instance.id);
    });
    return entry.id;
  },
};

const KnowledgeBaseType: KnowledgeBaseResolvers<InstancesContext> = {
  async entries(knowledgeBase, args, ctx) {
    const { first, after } = parseInput(PageArgs, args, 'args');
    const size = first ?? 20;
    const position = after ? cursor.decode(after) : undefined;
    const page = await ctx.em.find(
      KnowledgeBaseEntry,
      {
        knowledgeBase: knowledgeBase.id,
        ...(position && {
          $or: [{ createdAt: { $lt: position.createdAt } }, { createdAt: position.createdAt, id: { $lt: position.id } }],
        }),
      },
      { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    const edges = page.slice(0, size).map((node) => ({ cursor: cursor.encode(node.createdAt, node.id), node }));
    return { edges, pageInfo: { hasNextPage: page.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
  },
  entryCount: (knowledgeBase, _args, ctx) => ctx.loaders.entryCountByKnowledgeBase.load(knowledgeBase.id),
};

export const knowledgeBaseResolvers = { Mutation, KnowledgeBase: KnowledgeBaseType };

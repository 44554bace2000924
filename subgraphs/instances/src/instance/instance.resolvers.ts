import { z } from 'zod';
import { requireIdentity } from '../../../../kernel/auth.ts';
import { badInput, conflict } from '../../../../kernel/errors.ts';
import { isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { InstanceResolvers, MutationResolvers, QueryResolvers, UserResolvers } from '../__generated__/resolvers-types.ts';
import type { InstancesContext } from '../context.ts';
import { KnowledgeBase } from '../knowledge-base/knowledge-base.entity.ts';
import { findOwnInstance, isAdmin, readable } from './access.ts';
import { INSTANCE_STATUSES, Instance } from './instance.entity.ts';

const title = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

/** A JSON object (not an array or a scalar) whose serialised form fits the configured budget. */
const jsonObject = (maxBytes: number) =>
  z
    .record(z.string(), z.unknown(), { message: 'must be a JSON object' })
    .refine((v) => Buffer.byteLength(JSON.stringify(v)) <= maxBytes, `must be at most ${maxBytes} bytes as JSON`);

const createInput = (maxBytes: number) =>
  z.object({
    agentId: z.string().refine(isUuid, 'is not an agent id'),
    title,
    userConfig: jsonObject(maxBytes).nullish(),
  });
const updateInput = (maxBytes: number) =>
  z.object({
    title: title.nullish(),
    status: z.enum(INSTANCE_STATUSES).nullish(),
    userConfig: jsonObject(maxBytes).nullish(),
    pipelineConfig: jsonObject(maxBytes).nullish(),
  });

const Query: QueryResolvers<InstancesContext> = {
  instances(_root, _args, ctx) {
    return ctx.loaders.instancesByOwner.load(requireIdentity(ctx.identity).userId);
  },
  async instance(_root, args, ctx) {
    requireIdentity(ctx.identity);
    return readable(ctx, isUuid(args.id) ? await ctx.loaders.instanceById.load(args.id) : null);
  },
};

const Mutation: MutationResolvers<InstancesContext> = {
  async createInstance(_root, args, ctx) {
    const who = requireIdentity(ctx.identity);
    const { config, agents, logger } = ctx.deps;
    const input = parseInput(createInput(config.MAX_CONFIG_BYTES), args.input);
    if ((await ctx.em.count(Instance, { ownerId: who.userId })) >= config.MAX_INSTANCES_PER_USER) {
      throw conflict(`You already have ${config.MAX_INSTANCES_PER_USER} instances; delete one first`);
    }
    if (!(await agents.isActive(input.agentId))) {
      throw badInput([{ path: 'input.agentId', message: 'is not an active agent of the catalog' }]);
    }
    const instance = await ctx.em.transactional(async (em) => {
      const created = em.create(Instance, {
        ownerId: who.userId,
        agentId: input.agentId,
        title: input.title,
        userConfig: input.userConfig ?? null,
      });
      em.create(KnowledgeBase, { instance: created });
      return created;
    });
    logger.info({ instanceId: instance.id, ownerId: who.userId, agentId: input.agentId }, 'instance created');
    return instance;
  },

  async updateInstance(_root, args, ctx) {
    const instance = await findOwnInstance(ctx, args.id);
    const input = parseInput(updateInput(ctx.deps.config.MAX_CONFIG_BYTES), args.input);
    if (input.title) instance.title = input.title;
    if (input.status) instance.status = input.status;
    // Configs: a key that is present replaces (an explicit null clears); an absent key keeps.
    if ('userConfig' in args.input) instance.userConfig = input.userConfig ?? null;
    if ('pipelineConfig' in args.input) instance.pipelineConfig = input.pipelineConfig ?? null;
    await ctx.em.flush();
    return instance;
  },

  async deleteInstance(_root, args, ctx) {
    const instance = await findOwnInstance(ctx, args.id);
    // The knowledge base and its entries go by FK cascade inside the same statement's transaction.
    await ctx.em.transactional((em) => em.nativeDelete(Instance, { id: instance.id }));
    ctx.deps.logger.info({ instanceId: instance.id }, 'instance deleted');
    return instance.id;
  },
};

const InstanceType: InstanceResolvers<InstancesContext> = {
  async __resolveReference(ref, ctx) {
    return readable(ctx, isUuid(ref.id) ? await ctx.loaders.instanceById.load(ref.id) : null);
  },
  agent: (instance) => ({ __typename: 'Agent', id: instance.agentId }),
  owner: (instance) => ({ __typename: 'User', id: instance.ownerId }),
  knowledgeBase: (instance, _args, ctx) => ctx.loaders.knowledgeBaseByInstance.load(instance.id),
};

const UserType: UserResolvers<InstancesContext> = {
  __resolveReference: (ref) => ({ id: ref.id }),
  instances(user, _args, ctx) {
    const mine = ctx.identity?.userId === user.id;
    return mine || isAdmin(ctx) ? ctx.loaders.instancesByOwner.load(user.id) : [];
  },
};

export const instanceResolvers = { Query, Mutation, Instance: InstanceType, User: UserType };

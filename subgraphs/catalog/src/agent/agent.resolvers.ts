import DataLoader from 'dataloader';
import { UniqueConstraintViolationException, type EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { requireRole } from '../../../../kernel/auth.ts';
import { conflict, notFound } from '../../../../kernel/errors.ts';
import { isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { AgentResolvers, MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.ts';
import type { CatalogContext } from '../context.ts';
import { Agent } from './agent.entity.ts';

const slug = z
  .string()
  .trim()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'must be lower-case letters and digits separated by single dashes')
  .max(64, 'must be at most 64 characters');
const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const capabilities = z
  .array(slug)
  .max(32, 'at most 32 capabilities')
  .transform((list) => [...new Set(list)]);

const CreateInput = z.object({
  slug,
  name: text(120),
  description: text(4000),
  category: slug,
  capabilities: capabilities.nullish().transform((c) => c ?? []),
});
const UpdateInput = z.object({
  name: text(120).nullish(),
  description: text(4000).nullish(),
  category: slug.nullish(),
  capabilities: capabilities.nullish(),
  active: z.boolean().nullish(),
});

const isAdmin = (ctx: CatalogContext) => ctx.identity?.roles.includes('admin') ?? false;

/** Archived agents exist only for admins; for everyone else they answer like missing ones. */
const visible = (ctx: CatalogContext, agent: Agent | null) => (agent && (agent.active || isAdmin(ctx)) ? agent : null);

async function findAgent(ctx: CatalogContext, id: string): Promise<Agent> {
  const agent = isUuid(id) ? await ctx.em.findOne(Agent, { id }) : null;
  if (!agent) throw notFound('Agent');
  return agent;
}

/** One query for every `Agent` reference the gateway asks for in a request (no N+1 across subgraphs). */
export function agentLoader(em: EntityManager): DataLoader<string, Agent | null> {
  return new DataLoader(async (ids) => {
    const valid = ids.filter(isUuid);
    const found = valid.length ? await em.find(Agent, { id: { $in: valid } }) : [];
    const byId = new Map(found.map((a) => [a.id, a]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const Query: QueryResolvers<CatalogContext> = {
  agents(_root, args, ctx) {
    const includeArchived = Boolean(args.includeArchived) && isAdmin(ctx);
    return ctx.em.find(
      Agent,
      { ...(includeArchived ? {} : { active: true }), ...(args.category ? { category: args.category } : {}) },
      { orderBy: { name: 'asc' } },
    );
  },
  async agent(_root, args, ctx) {
    return visible(ctx, isUuid(args.id) ? await ctx.agentById.load(args.id) : null);
  },
  async agentBySlug(_root, args, ctx) {
    return visible(ctx, await ctx.em.findOne(Agent, { slug: args.slug }));
  },
};

async function flushUnique(ctx: CatalogContext): Promise<void> {
  try {
    await ctx.em.flush();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw conflict('An agent with this slug already exists');
    throw err;
  }
}

const Mutation: MutationResolvers<CatalogContext> = {
  async createAgent(_root, args, ctx) {
    requireRole(ctx.identity, 'admin');
    const input = parseInput(CreateInput, args.input);
    const agent = ctx.em.create(Agent, input);
    await flushUnique(ctx);
    ctx.deps.logger.info({ agentId: agent.id, slug: agent.slug, by: ctx.identity?.userId }, 'agent created');
    return agent;
  },
  async updateAgent(_root, args, ctx) {
    requireRole(ctx.identity, 'admin');
    const input = parseInput(UpdateInput, args.input);
    const agent = await findAgent(ctx, args.id);
    for (const [key, value] of Object.entries(input)) {
      if (value !== null && value !== undefined) Object.assign(agent, { [key]: value });
    }
    await flushUnique(ctx);
    return agent;
  },
  async archiveAgent(_root, args, ctx) {
    requireRole(ctx.identity, 'admin');
    const agent = await findAgent(ctx, args.id);
    agent.active = false;
    await ctx.em.flush();
    ctx.deps.logger.info({ agentId: agent.id, by: ctx.identity?.userId }, 'agent archived');
    return agent;
  },
};

const AgentType: AgentResolvers<CatalogContext> = {
  // References come from other subgraphs' rows (an instance's agent), so archived agents resolve too.
  __resolveReference: (ref, ctx) => ctx.agentById.load(ref.id),
};

export const agentResolvers = { Query, Mutation, Agent: AgentType };

import { requireIdentity } from '../../../../kernel/auth.ts';
import { notFound } from '../../../../kernel/errors.ts';
import { isUuid } from '../../../../kernel/validation.ts';
import type { InstancesContext } from '../context.ts';
import type { Instance } from './instance.entity.ts';

export const isAdmin = (ctx: InstancesContext) => ctx.identity?.roles.includes('admin') ?? false;

/** Owners read their instances and admins read all; to anyone else an instance does not exist. */
export function readable(ctx: InstancesContext, instance: Instance | null): Instance | null {
  if (!instance || !ctx.identity) return null;
  return instance.ownerId === ctx.identity.userId || isAdmin(ctx) ? instance : null;
}

/** An instance the caller may change: only its owner's, else NOT_FOUND exactly as for a missing id. */
export async function findOwnInstance(ctx: InstancesContext, id: string): Promise<Instance> {
  const who = requireIdentity(ctx.identity);
  const instance = isUuid(id) ? await ctx.loaders.instanceById.load(id) : null;
  if (!instance || instance.ownerId !== who.userId) throw notFound('Instance');
  return instance;
}

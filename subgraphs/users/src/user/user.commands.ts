import type { EntityManager } from '@mikro-orm/postgresql';
import { z } from 'zod';
import { fields, parseInput } from '../../../../kernel/validation.ts';
import { hashPassword } from '../auth/password.ts';
import { ROLES, User } from './user.entity.ts';

/** Operator commands (the CLI and test set-up), outside GraphQL but with the same validation. */
export async function createUser(
  em: EntityManager,
  args: { email: string; password: string; name?: string; admin?: boolean; bcryptCost: number },
): Promise<User> {
  const input = parseInput(z.object({ email: fields.email, password: fields.password, name: fields.optionalText(200) }), args);
  if (await em.count(User, { email: input.email })) throw new Error(`A user with email ${input.email} already exists`);
  const user = em.create(User, {
    email: input.email,
    name: input.name,
    passwordHash: await hashPassword(input.password, args.bcryptCost),
    roles: args.admin ? ['user', 'admin'] : ['user'],
  });
  await em.flush();
  return user;
}

export async function grantRoleByEmail(em: EntityManager, email: string, role: string): Promise<User> {
  const parsedRole = parseInput(z.enum(ROLES), role, 'role');
  const user = await em.findOne(User, { email: email.toLowerCase() });
  if (!user) throw new Error(`No user with email ${email}`);
  if (!user.roles.includes(parsedRole)) user.roles = [...user.roles, parsedRole];
  await em.flush();
  return user;
}

export function listUsers(em: EntityManager, opts: { search?: string; limit: number }): Promise<User[]> {
  return em.find(User, opts.search ? { email: { $ilike: `%${opts.search.toLowerCase()}%` } } : {}, {
    orderBy: { createdAt: 'desc' },
    limit: opts.limit,
  });
}

import { z } from 'zod';
import { conflict, notFound } from '../../../../kernel/errors.ts';
import { markRevoked } from '../../../../kernel/revocation.ts';
import { isUuid, parseInput } from '../../../../kernel/validation.ts';
import type { MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.ts';
import { sha256 } from '../auth/tokens.ts';
import type { UsersContext } from '../context.ts';
import { currentUser } from '../session/current-user.ts';
import { ApiKey } from './api-key.entity.ts';
import { newApiKeySecret } from './api-key.service.ts';

const MAX_KEYS = 20;
const Name = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters');

const Query: QueryResolvers<UsersContext> = {
  async apiKeys(_root, _args, ctx) {
    const { user } = await currentUser(ctx);
    return ctx.em.find(ApiKey, { user, revokedAt: null }, { orderBy: { createdAt: 'desc' } });
  },
};

const Mutation: MutationResolvers<UsersContext> = {
  async createApiKey(_root, args, ctx) {
    const name = parseInput(Name, args.name, 'name');
    const { user } = await currentUser(ctx);
    if ((await ctx.em.count(ApiKey, { user, revokedAt: null })) >= MAX_KEYS) {
      throw conflict(`At most ${MAX_KEYS} API keys; revoke one first`);
    }
    const { prefix, secret } = newApiKeySecret();
    const apiKey = ctx.em.create(ApiKey, { user, name, prefix, secretHash: sha256(secret) });
    await ctx.em.flush();
    ctx.deps.logger.info({ userId: user.id, apiKeyId: apiKey.id, prefix }, 'API key created');
    return { apiKey, secret };
  },

  async revokeApiKey(_root, args, ctx) {
    const { user } = await currentUser(ctx);
    const revoked = isUuid(args.id)
      ? await ctx.em.nativeUpdate(ApiKey, { id: args.id, user, revokedAt: null }, { revokedAt: new Date() })
      : 0;
    if (!revoked) throw notFound('API key');
    await markRevoked(ctx.deps.kv, ctx.deps.bus, { ids: [args.id], reason: 'api_key_revoked', ttlSeconds: ctx.deps.config.API_KEY_TOKEN_TTL });
    ctx.deps.logger.info({ userId: user.id, apiKeyId: args.id }, 'API key revoked');
    return args.id;
  },
};

export const apiKeyResolvers = { Query, Mutation };

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { User } from '../user/user.entity.ts';

/**
 * One signed-in device. Its refresh token is `<id>.<generation>.<secret>`: only the sha256 of the
 * current (and previous) secret is kept; presenting the previous one is a replay, which revokes the session.
 */
export const SessionSchema = defineEntity({
  name: 'Session',
  tableName: 'session',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    user: () => p.manyToOne(User).deleteRule('cascade').index(),
    refreshHash: p.string().hidden(),
    /** The generation before: a token that matches it is a proven replay, not just a guess. */
    previousRefreshHash: p.string().nullable().hidden(),
    generation: p.integer().default(0),
    userAgent: p.string().length(512).nullable(),
    ip: p.string().length(64).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastUsedAt: p.datetime().onCreate(() => new Date()),
    expiresAt: p.datetime(),
    revokedAt: p.datetime().nullable(),
    revokedReason: p.string().length(40).nullable(),
  },
});

export class Session extends SessionSchema.class {
  isActive(now = new Date()): boolean {
    return !this.revokedAt && this.expiresAt > now;
  }
}
SessionSchema.setClass(Session);

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const UserSchema = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    /** Stored lower-cased, so uniqueness ignores case. */
    email: p.string().length(320).unique(),
    passwordHash: p.string().hidden(),
    name: p.string().length(200).nullable(),
    company: p.string().length(200).nullable(),
    phone: p.string().length(40).nullable(),
    telegram: p.string().length(64).nullable(),
    roles: p.array().default(['user']),
    mfaEnabled: p.boolean().default(false),
    /** Base32 TOTP secret of a confirmed enrolment. */
    mfaSecret: p.string().nullable().hidden(),
    /** Secret of an enrolment that is not confirmed yet; replaced by the next `enrollMfa`. */
    mfaPendingSecret: p.string().nullable().hidden(),
    disabledAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class User extends UserSchema.class {}
UserSchema.setClass(User);

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Conversation } from './conversation.entity.ts';

/**
 * One person in a conversation, with where they have read up to (the newest message they have
 * seen, by time then id) and the conversation's last activity, copied here so that one user's list
 * is one index scan.
 */
export const ParticipantSchema = defineEntity({
  name: 'Participant',
  tableName: 'participant',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    userId: p.uuid(),
    joinedAt: p.datetime().onCreate(() => new Date()),
    readAt: p.datetime().nullable(),
    readMessageId: p.uuid().nullable(),
    activityAt: p.datetime(),
  },
  uniques: [{ properties: ['conversation', 'userId'] }],
  indexes: [{ properties: ['userId', 'activityAt', 'conversation'] }],
});

export class Participant extends ParticipantSchema.class {}
ParticipantSchema.setClass(Participant);

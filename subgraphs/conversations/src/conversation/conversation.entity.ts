import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const ConversationSchema = defineEntity({
  name: 'Conversation',
  tableName: 'conversation',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    ownerId: p.uuid(),
    title: p.string().length(200),
    /** The agent instance it talks to (its owner's), known from the instances replica. */
    instanceId: p.uuid().nullable(),
    archived: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()),
    lastMessageAt: p.datetime().nullable(),
  },
});

export class Conversation extends ConversationSchema.class {}
ConversationSchema.setClass(Conversation);

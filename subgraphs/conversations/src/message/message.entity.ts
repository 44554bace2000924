import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Conversation } from '../conversation/conversation.entity.ts';

export const MESSAGE_ROLES = ['USER', 'ASSISTANT', 'SYSTEM'] as const;
export const MESSAGE_STATUSES = ['PENDING', 'STREAMING', 'COMPLETED', 'FAILED', 'CANCELLED'] as const;

export interface StoredCitation {
  index: number;
  entryId: string;
  title: string;
  snippet: string;
}

export const MessageSchema = defineEntity({
  name: 'Message',
  tableName: 'message',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    authorId: p.uuid().nullable(),
    role: p.enum(() => [...MESSAGE_ROLES]),
    content: p.text(),
    parentId: p.uuid().nullable(),
    status: p.enum(() => [...MESSAGE_STATUSES]),
    citations: p.json<StoredCitation[]>().default('[]'),
    inputTokens: p.integer().nullable(),
    outputTokens: p.integer().nullable(),
    model: p.string().length(200).nullable(),
    provider: p.string().length(100).nullable(),
    clientRequestId: p.string().length(100).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    completedAt: p.datetime().nullable(),
  },
  // Newest-first keyset pagination within one conversation reads this index in order.
  indexes: [{ properties: ['conversation', 'createdAt', 'id'] }],
  // One send per client request id and sender: a retried request finds the first message.
  uniques: [{ properties: ['authorId', 'clientRequestId'] }],
});

export class Message extends MessageSchema.class {}
MessageSchema.setClass(Message);

import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { KnowledgeBase } from './knowledge-base.entity.ts';

export const KnowledgeBaseEntrySchema = defineEntity({
  name: 'KnowledgeBaseEntry',
  tableName: 'knowledge_base_entry',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    knowledgeBase: () => p.manyToOne(KnowledgeBase).deleteRule('cascade'),
    title: p.string().length(200),
    content: p.text(),
    sourceUrl: p.string().length(2048).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
  // Newest-first keyset pagination within one knowledge base reads this index in order.
  indexes: [{ properties: ['knowledgeBase', 'createdAt', 'id'] }],
});

export class KnowledgeBaseEntry extends KnowledgeBaseEntrySchema.class {}
KnowledgeBaseEntrySchema.setClass(KnowledgeBaseEntry);

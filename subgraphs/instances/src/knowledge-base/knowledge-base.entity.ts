import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';
import { Instance } from '../instance/instance.entity.ts';

/** One per instance; deleting the instance deletes it (and its entries) by cascade. */
export const KnowledgeBaseSchema = defineEntity({
  name: 'KnowledgeBase',
  tableName: 'knowledge_base',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    instance: () => p.oneToOne(Instance).owner().unique().deleteRule('cascade'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export class KnowledgeBase extends KnowledgeBaseSchema.class {}
KnowledgeBaseSchema.setClass(KnowledgeBase);

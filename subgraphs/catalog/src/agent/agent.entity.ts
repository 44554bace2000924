import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const AgentSchema = defineEntity({
  name: 'Agent',
  tableName: 'agent',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    slug: p.string().length(64).unique(),
    name: p.string().length(120),
    description: p.text(),
    category: p.string().length(64).index(),
    capabilities: p.array().default([]),
    active: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Agent extends AgentSchema.class {}
AgentSchema.setClass(Agent);

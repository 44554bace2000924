import { randomUUID } from 'node:crypto';
import { defineEntity, p } from '@mikro-orm/core';

export const INSTANCE_STATUSES = ['PROVISIONING', 'ACTIVE', 'PAUSED', 'FAILED'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** An instance names its agent and owner by id only: those rows live in other subgraphs. */
export const InstanceSchema = defineEntity({
  name: 'Instance',
  tableName: 'instance',
  properties: {
    id: p.uuid().primary().onCreate(() => randomUUID()),
    ownerId: p.uuid().index(),
    agentId: p.uuid().index(),
    title: p.string().length(200),
    status: p.enum(INSTANCE_STATUSES).default('PROVISIONING'),
    userConfig: p.json<Record<string, unknown>>().nullable(),
    pipelineConfig: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});

export class Instance extends InstanceSchema.class {}
InstanceSchema.setClass(Instance);

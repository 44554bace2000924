/**
 * The instances subgraph's published events (kept in cdc/, so a follower imports no subgraph): the channels of the change log its changes go to, and
 * the shape of each event. Other subgraphs may follow these (conversations keeps a replica of
 * instances and knowledge bases from them); this file is the contract, src/ the implementation.
 */

/** Channels of the change log the bridge appends these events to. */
export const INSTANCE_EVENTS = 'instances.instance-events';
export const ENTRY_EVENTS = 'instances.knowledge-base-entry-events';
/** Internal: which instance a knowledge base belongs to (no subscription of its own). */
export const KNOWLEDGE_BASE_EVENTS = 'instances.knowledge-base-events';

/** Where a change came from: `sequence` is unique per change, so a client can drop duplicates. */
export interface EventPosition {
  lsn: number | null;
  txId: number | null;
  sequence: string;
}

export interface InstanceSnapshot {
  id: string;
  ownerId: string;
  agentId: string;
  title: string;
  status: string;
  userConfig: Record<string, unknown> | null;
  pipelineConfig: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
}

export interface InstanceEventMessage {
  type: 'CREATED' | 'UPDATED' | 'DELETED';
  instanceId: string;
  ownerId: string;
  changedFields: string[];
  occurredAt: string;
  instance: InstanceSnapshot | null;
  position: EventPosition;
}

export interface EntrySnapshot {
  id: string;
  knowledgeBaseId: string;
  title: string;
  content: string;
  sourceUrl: string | null;
  createdAt: string;
}

export interface EntryEventMessage {
  type: 'ADDED' | 'REMOVED';
  entryId: string;
  knowledgeBaseId: string;
  entry: EntrySnapshot | null;
  occurredAt: string;
  position: EventPosition;
}

export interface KnowledgeBaseEventMessage {
  type: 'CREATED' | 'DELETED';
  knowledgeBaseId: string;
  instanceId: string;
  position: EventPosition;
}

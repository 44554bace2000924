import type { ChangePayload, Row } from '../../../../cdc/contract.ts';

/** Redis channels the bridge publishes to and the subscription resolvers listen on. */
export const INSTANCE_EVENTS = 'instances.instance-events';
export const ENTRY_EVENTS = 'instances.knowledge-base-entry-events';

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

const camel = (column: string) => column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());

/** Debezium writes json/jsonb as JSON text when no schema says otherwise. */
const json = (v: unknown) => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : ((v as Record<string, unknown>) ?? null));
const iso = (v: unknown) => (typeof v === 'number' ? new Date(v / 1000).toISOString() : new Date(String(v)).toISOString());

function instanceSnapshot(row: Row): InstanceSnapshot {
  return {
    id: String(row.id),
    ownerId: String(row.owner_id),
    agentId: String(row.agent_id),
    title: String(row.title),
    status: String(row.status),
    userConfig: json(row.user_config),
    pipelineConfig: json(row.pipeline_config),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}

function position(change: ChangePayload): EventPosition {
  const { lsn, txId, schema, table } = change.source;
  return { lsn, txId, sequence: `${schema}.${table}:${lsn ?? 'none'}:${txId ?? 'none'}` };
}

/** Fields whose values differ; needs the before-image, hence REPLICA IDENTITY FULL on the table. */
function changedFields(before: Row | null | undefined, after: Row): string[] {
  if (!before || Object.keys(before).length <= 1) return [];
  return Object.keys(after)
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) && before[k] !== '__debezium_unavailable_value')
    .map(camel);
}

const OP_TYPE = { c: 'CREATED', u: 'UPDATED', d: 'DELETED' } as const;

/** One change of `instances.instance` as a domain event; snapshot reads, truncates and messages are not events. */
export function instanceEvent(change: ChangePayload): InstanceEventMessage | null {
  if (change.op !== 'c' && change.op !== 'u' && change.op !== 'd') return null;
  const row = change.op === 'd' ? change.before : change.after;
  if (!row?.id) return null;
  return {
    type: OP_TYPE[change.op],
    instanceId: String(row.id),
    ownerId: String(row.owner_id ?? ''),
    changedFields: change.op === 'u' && change.after ? changedFields(change.before, change.after) : [],
    occurredAt: new Date(change.source.ts_ms).toISOString(),
    instance: change.op === 'd' || !change.after ? null : instanceSnapshot(change.after),
    position: position(change),
  };
}

/** One change of `instances.knowledge_base_entry` as an added / removed event. */
export function entryEvent(change: ChangePayload): EntryEventMessage | null {
  if (change.op !== 'c' && change.op !== 'd') return null;
  const row = change.op === 'd' ? change.before : change.after;
  if (!row?.id) return null;
  return {
    type: change.op === 'c' ? 'ADDED' : 'REMOVED',
    entryId: String(row.id),
    knowledgeBaseId: String(row.knowledge_base_id ?? ''),
    entry:
      change.op === 'c'
        ? {
            id: String(row.id),
            knowledgeBaseId: String(row.knowledge_base_id),
            title: String(row.title),
            content: String(row.content),
            sourceUrl: (row.source_url as string | null) ?? null,
            createdAt: iso(row.created_at),
          }
        : null,
    occurredAt: new Date(change.source.ts_ms).toISOString(),
    position: position(change),
  };
}

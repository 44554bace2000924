import type { ChangePayload, Row } from '../../../../cdc/contract.ts';
import type { EntryEventMessage, EventPosition, InstanceEventMessage, InstanceSnapshot, KnowledgeBaseEventMessage } from '../../../../cdc/published/instances.ts';

export { ENTRY_EVENTS, INSTANCE_EVENTS, KNOWLEDGE_BASE_EVENTS } from '../../../../cdc/published/instances.ts';

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

/** A knowledge base created or deleted (with its instance): which instance an entry's knowledge base belongs to. */
export function knowledgeBaseEvent(change: ChangePayload): KnowledgeBaseEventMessage | null {
  if (change.op !== 'c' && change.op !== 'd') return null;
  const row = change.op === 'c' ? change.after : change.before;
  if (!row?.id) return null;
  return { type: change.op === 'c' ? 'CREATED' : 'DELETED', knowledgeBaseId: String(row.id), instanceId: String(row.instance_id ?? ''), position: position(change) };
}

import type { ChangePayload } from '../debezium.ts';
import type { EventOrigin } from '../delivery/change-log.ts';

/**
 * What identifies a change within its ordered source, for dedupe: the Kafka partition it was read
 * from (one source in process), and its WAL position with its operation (a primary-key update is a
 * delete and a create at one position). Debezium's `source.sequence` is not used: its first element
 * is null until the connector has seen a commit, so a re-sent change may carry another one.
 */
export function originOf(record: { topic: string; partition?: number }, change: ChangePayload): EventOrigin | null {
  if (change.source.lsn === null || !Number.isFinite(change.source.lsn)) return null;
  return { source: `${record.topic}:${record.partition ?? 0}`, position: `${change.source.lsn}:${change.op}` };
}

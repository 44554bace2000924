import type { ChangePayload } from '../debezium.ts';
import type { EventOrigin } from '../delivery/change-log.ts';

/** Within one WAL position a primary-key change is a delete, then a create (Debezium's order). */
const OP_RANK: Record<string, string> = { d: '1', c: '2', u: '3', r: '0', t: '4', m: '5' };

const pad = (n: string | number) => String(n).padStart(20, '0');

/**
 * Where a change sits in its ordered source, for dedupe: the Kafka partition it was read from (one
 * source in process), and Debezium's `source.sequence` (last commit LSN, then this change's LSN),
 * which grows in commit order; a change with no position is never taken for a duplicate.
 */
export function originOf(record: { topic: string; partition?: number }, change: ChangePayload): EventOrigin | null {
  const source = `${record.topic}:${record.partition ?? 0}`;
  let lastCommit: string | undefined;
  let lsn: string | undefined;
  try {
    const sequence = change.source.sequence ? (JSON.parse(change.source.sequence) as unknown) : null;
    if (Array.isArray(sequence) && sequence.length === 2) [lastCommit, lsn] = sequence.map((v) => (v === null ? undefined : String(v)));
  } catch {
    // An unreadable sequence falls back to the change's own LSN.
  }
  lsn ??= change.source.lsn === null ? undefined : String(change.source.lsn);
  if (lsn === undefined || !/^\d+$/.test(lsn) || (lastCommit !== undefined && !/^\d+$/.test(lastCommit))) return null;
  return { source, position: `${pad(lastCommit ?? '0')}${pad(lsn)}${OP_RANK[change.op] ?? '9'}` };
}

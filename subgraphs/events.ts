import type { ChangePayload } from '../kernel/events/debezium.ts';
import { ENTRY_EVENTS, entryEvent, INSTANCE_EVENTS, instanceEvent } from './instances/src/events/instance-events.ts';

/** How the changes of one table become domain events on one channel. */
export interface CapturedTable {
  schema: string;
  table: string;
  channel: string;
  toEvent: (change: ChangePayload) => object | null;
}

/**
 * The one list of tables whose changes feed subscriptions: the relay publishes exactly these
 * (REPLICA IDENTITY FULL, so updates and deletes carry the whole old row) and the bridge maps them.
 * Each subgraph owns its mapping; this list only gathers them.
 */
export const CAPTURED_TABLES: CapturedTable[] = [
  { schema: 'instances', table: 'instance', channel: INSTANCE_EVENTS, toEvent: instanceEvent },
  { schema: 'instances', table: 'knowledge_base_entry', channel: ENTRY_EVENTS, toEvent: entryEvent },
];

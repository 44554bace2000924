import type { ChangePayload } from './debezium.ts';

export type { ChangePayload, Row } from './debezium.ts';

/**
 * What a subgraph declares to have its table's changes delivered to subscribers: the table (captured
 * by Debezium or the relay, REPLICA IDENTITY FULL), the channel its events go out on, and how one
 * change becomes one domain event (null: not an event, e.g. a snapshot read).
 */
export interface CapturedTable<Event extends object = object> {
  schema: string;
  table: string;
  channel: string;
  toEvent: (change: ChangePayload) => Event | null;
}

/** Declares a subgraph's captured tables; typed per table, gathered untyped. */
export const captureTables = (...tables: CapturedTable<object>[]): CapturedTable[] => tables;

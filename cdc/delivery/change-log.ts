/** One event as the change log keeps it: where it sits, where the one before it on its channel sits, and the event. */
export interface LoggedEvent<T = unknown> {
  /** Opaque, growing; a subscriber passes the last one it saw as `after` to resume. */
  cursor: string;
  /** The cursor of the previous event on the same channel (null for the first): a live subscriber that did not see it has a gap to fill. */
  prev: string | null;
  event: T;
}

/**
 * Where an event came from: a source (a Kafka topic partition) and what identifies it there. A
 * second delivery of the same change (relay or bridge restart, rebalance) carries an identity the
 * log has recently appended from that source, and is dropped; "recently" is the log's retention.
 */
export interface EventOrigin {
  source: string;
  position: string;
}

/**
 * The retained, ordered history of every event channel, and its live tail. The bridge appends (once
 * per change, whatever the redeliveries); subscription resolvers replay from a cursor and then
 * follow live through {@link openChangeFeed}. Redis when REDIS_URL is set, else in process.
 */
export interface ChangeLog {
  /** Appends and publishes in one step; null when the origin shows a duplicate. */
  append<T extends object>(channel: string, event: T, origin: EventOrigin | null): Promise<LoggedEvent<T> | null>;
  /** The cursor of this moment: every event appended later sorts after it, on every channel. */
  now(): Promise<string>;
  /**
   * Up to `limit` events of `channel` after `after`, oldest first. Throws CURSOR_EXPIRED when events
   * after it were trimmed or the store was reset, BAD_USER_INPUT when it is not a cursor given out here.
   */
  read<T>(channel: string, after: string, limit: number): Promise<LoggedEvent<T>[]>;
  /**
   * Calls `onEvent` for every event appended to `channel` from now on, and `onResync` when events may
   * have been missed (the live connection was lost); resolves once listening, to a function that stops it.
   */
  listen<T>(channel: string, onEvent: (event: LoggedEvent<T>) => void, onResync: () => void): Promise<() => void>;
  /** How long events are kept, ms (reported with CURSOR_EXPIRED). */
  readonly retentionMs: number;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** How much history is kept per channel: whichever bound is hit first. */
export interface Retention {
  /** Events older than this are trimmed (EVENT_RETENTION_MS; default 24 h). */
  retentionMs: number;
  /** At most this many events per channel (EVENT_RETENTION_MAX_EVENTS). */
  maxEvents: number;
}

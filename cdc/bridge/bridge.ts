import { decodeRecord, type ChangeRecord } from '../debezium.ts';
import type { Logger } from '../../kernel/log.ts';
import { contextFrom, inSpan, traceparentOf } from '../../kernel/tracing.ts';
import { SpanKind } from '@opentelemetry/api';
import type { CapturedTable } from '../contract.ts';
import type { ChangeLog } from '../delivery/change-log.ts';
import { originOf } from './origin.ts';

/** Where a record the bridge cannot decode goes, so its partition moves on. */
export type DeadLetter = (record: ChangeRecord, reason: string) => Promise<void>;

/**
 * A record as it left Kafka (or the in-process relay), with where it sat and its headers (the relay's
 * `traceparent` when tracing is on).
 */
export type SourcedRecord = ChangeRecord & { partition?: number; offset?: string; headers?: Record<string, string> };

/**
 * Turns Debezium change records into domain events and appends them to the change log, which keeps
 * and publishes them. It resolves only after the append, so whoever feeds it (a Kafka consumer, the
 * in-process relay) confirms a record only once its event is kept: never lost; and a record that
 * comes again (a restart, a rebalance) is recognised by its source position and appended once.
 */
export class Bridge {
  readonly #byTopic: Map<string, CapturedTable>;
  readonly #changes: ChangeLog;
  readonly #deadLetter: DeadLetter;
  readonly #log: Logger;

  constructor(opts: { topicPrefix: string; tables: CapturedTable[]; changes: ChangeLog; deadLetter: DeadLetter; logger: Logger }) {
    this.#byTopic = new Map(opts.tables.map((t) => [`${opts.topicPrefix}.${t.schema}.${t.table}`, t]));
    this.#changes = opts.changes;
    this.#deadLetter = opts.deadLetter;
    this.#log = opts.logger.child({ component: 'bridge' });
  }

  /** The topics the bridge consumes. */
  get topics(): string[] {
    return [...this.#byTopic.keys()];
  }

  /**
   * Traced, each record of a consumed topic gets a span continuing the relay's (its headers), and the
   * event it publishes names that span in `source.traceparent`, so deliveries can link to it.
   */
  async handle(record: SourcedRecord): Promise<void> {
    const table = this.#byTopic.get(record.topic);
    if (!table) return;
    await inSpan(
      'bridge',
      `bridge.record ${record.topic}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(record.headers),
        attributes: {
          'messaging.destination.name': record.topic,
          ...(record.partition !== undefined ? { 'messaging.kafka.destination.partition': record.partition } : {}),
          ...(record.offset !== undefined ? { 'messaging.kafka.message.offset': record.offset } : {}),
          'atrium.bus.channel': table.channel,
        },
      },
      () => this.#handle(record, table),
    );
  }

  async #handle(record: SourcedRecord, table: CapturedTable): Promise<void> {
    const decoded = decodeRecord(record);
    if (decoded.kind === 'tombstone') return;
    if (decoded.kind === 'invalid') return this.#reject(record, decoded.reason);
    let event: object | null;
    try {
      event = table.toEvent(decoded.change);
    } catch (err) {
      return this.#reject(record, `mapping failed: ${(err as Error).message}`);
    }
    if (!event) return;
    // A failing append throws: the record is not confirmed and comes again.
    const traceparent = traceparentOf();
    await this.#changes.append(
      table.channel,
      { ...event, source: { topic: record.topic, partition: record.partition, offset: record.offset, ...(traceparent ? { traceparent } : {}) } },
      originOf(record, decoded.change),
    );
  }

  async #reject(record: SourcedRecord, reason: string): Promise<void> {
    this.#log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason }, 'undecodable change record sent to the dead-letter topic');
    await this.#deadLetter(record, reason);
  }
}

/** The relay's sink in `npm start` without Kafka: records go straight into the bridge, in order. */
export function inProcessSink(bridge: Bridge) {
  return {
    async send(records: SourcedRecord[]) {
      for (const record of records) await bridge.handle(record);
    },
  };
}

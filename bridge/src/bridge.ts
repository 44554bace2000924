import { decodeRecord, type ChangeRecord } from '../../kernel/events/debezium.ts';
import type { Logger } from '../../kernel/log.ts';
import type { EventBus } from '../../kernel/pubsub.ts';
import type { CapturedTable } from '../../subgraphs/events.ts';

/** Where a record the bridge cannot decode goes, so its partition moves on. */
export type DeadLetter = (record: ChangeRecord, reason: string) => Promise<void>;

/** A record as it left Kafka (or the in-process relay), with where it sat. */
export type SourcedRecord = ChangeRecord & { partition?: number; offset?: string };

/**
 * Turns Debezium change records into domain events and publishes them on the event bus. It
 * resolves only after the publish, so whoever feeds it (a Kafka consumer, the in-process relay)
 * confirms a record only once its event is out: at-least-once, never lost.
 */
export class Bridge {
  readonly #byTopic: Map<string, CapturedTable>;
  readonly #bus: EventBus;
  readonly #deadLetter: DeadLetter;
  readonly #log: Logger;

  constructor(opts: { topicPrefix: string; tables: CapturedTable[]; bus: EventBus; deadLetter: DeadLetter; logger: Logger }) {
    this.#byTopic = new Map(opts.tables.map((t) => [`${opts.topicPrefix}.${t.schema}.${t.table}`, t]));
    this.#bus = opts.bus;
    this.#deadLetter = opts.deadLetter;
    this.#log = opts.logger.child({ component: 'bridge' });
  }

  /** The topics the bridge consumes. */
  get topics(): string[] {
    return [...this.#byTopic.keys()];
  }

  async handle(record: SourcedRecord): Promise<void> {
    const table = this.#byTopic.get(record.topic);
    if (!table) return;
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
    // A failing publish throws: the record is not confirmed and comes again.
    await this.#bus.publish(table.channel, { ...event, source: { topic: record.topic, partition: record.partition, offset: record.offset } });
  }

  async #reject(record: SourcedRecord, reason: string): Promise<void> {
    this.#log.warn({ topic: record.topic, partition: record.partition, offset: record.offset, reason }, 'undecodable change record sent to the dead-letter topic');
    await this.#deadLetter(record, reason);
  }
}

/** The relay's sink in `npm start` without Kafka: records go straight into the bridge, in order. */
export function inProcessSink(bridge: Bridge) {
  return {
    async send(records: ChangeRecord[]) {
      for (const record of records) await bridge.handle(record);
    },
  };
}

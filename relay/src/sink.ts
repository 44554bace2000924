import type { ChangeRecord } from '../../kernel/events/debezium.ts';

/** Where the relay delivers one committed transaction's records; resolves once they are durable. */
export interface ChangeSink {
  send(records: ChangeRecord[]): Promise<void>;
}

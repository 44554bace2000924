import type { ChangeRecord } from '../debezium.ts';

/**
 * A record as the relay hands it on. `headers`, when tracing is on, carry the W3C trace context of the
 * relay's span for the transaction (`traceparent`); Kafka keeps them as record headers, the in-process
 * bridge reads them straight. Optional: consumers that do not trace ignore them.
 */
export type RelayedRecord = ChangeRecord & { headers?: Record<string, string> };

/** Where the relay delivers one committed transaction's records; resolves once they are durable. */
export interface ChangeSink {
  send(records: RelayedRecord[]): Promise<void>;
}

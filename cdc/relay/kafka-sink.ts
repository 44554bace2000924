import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Logger } from '../../kernel/log.ts';
import type { ChangeSink, RelayedRecord } from './sink.ts';

/** Produces records to Kafka and resolves only when every broker in the ISR acknowledged them (acks=all). */
export async function kafkaSink(opts: { brokers: string[]; clientId: string; logger: Logger }): Promise<ChangeSink & { close(): Promise<void> }> {
  const kafka = new Kafka({ clientId: opts.clientId, brokers: opts.brokers, logLevel: logLevel.WARN, logCreator: kafkaLogs(opts.logger) });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  return {
    async send(records) {
      if (!records.length) return;
      const byTopic = new Map<string, RelayedRecord[]>();
      for (const r of records) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, rs]) => ({ topic, messages: rs.map((r) => ({ key: r.key, value: r.value, headers: r.headers })) })),
      });
    },
    close: () => producer.disconnect(),
  };
}

/** Routes kafkajs's own log lines into pino. */
export function kafkaLogs(logger: Logger) {
  const log = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log: entry }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, ...rest } = entry;
      if (level <= logLevel.ERROR) log.error(rest, message);
      else if (level <= logLevel.WARN) log.warn(rest, message);
      else log.debug(rest, message);
    };
}

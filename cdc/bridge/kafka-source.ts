import { type IHeaders, Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { NotReady } from '../../kernel/http.ts';
import type { Logger } from '../../kernel/log.ts';
import { kafkaLogs } from '../relay/kafka-sink.ts';
import { retryWhileRetriable } from '../kafka-retry.ts';
import type { Bridge, DeadLetter } from './bridge.ts';

/**
 * Feeds the bridge from a Kafka consumer group. kafkajs commits an offset only after `eachMessage`
 * resolved, which the bridge does only after publishing, so a crash replays and never skips. More
 * copies in the same group share the partitions.
 */
export async function consumeIntoBridge(opts: {
  brokers: string[];
  groupId: string;
  deadLetterTopic: string;
  /** Longest a fetch waits for data; the mock cluster does not answer a waiting fetch early. */
  fetchMaxWaitMs: number;
  createBridge: (deadLetter: DeadLetter) => Bridge;
  logger: Logger;
}): Promise<{ stop(): Promise<void>; ready(): Promise<void> }> {
  const kafka = new Kafka({ clientId: opts.groupId, brokers: opts.brokers, logLevel: logLevel.WARN, logCreator: kafkaLogs(opts.logger) });
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const deadLetter: DeadLetter = async (record, reason) => {
    await producer.send({
      topic: opts.deadLetterTopic,
      acks: -1,
      messages: [{ key: record.key, value: record.value, headers: { 'x-atrium-source-topic': record.topic, 'x-atrium-reason': reason } }],
    });
  };
  const bridge = opts.createBridge(deadLetter);
  const consumer: Consumer = kafka.consumer({ groupId: opts.groupId, allowAutoTopicCreation: true, maxWaitTimeInMs: opts.fetchMaxWaitMs });
  // Readiness follows the consumer's own events: in its group and not crashed or disconnected.
  let state = 'joining';
  consumer.on(consumer.events.GROUP_JOIN, () => {
    state = 'in group';
  });
  consumer.on(consumer.events.CRASH, () => {
    state = 'crashed';
  });
  consumer.on(consumer.events.DISCONNECT, () => {
    state = 'disconnected from the broker';
  });
  // A real broker refuses a subscription to a topic that does not exist yet, and the bridge may well
  // start before the connector's first change: create the change topics and the dead-letter topic (broker defaults) if missing.
  const admin = kafka.admin();
  await admin.connect();
  try {
    await retryWhileRetriable(
      () => admin.createTopics({ topics: [...bridge.topics, opts.deadLetterTopic].map((topic) => ({ topic })), waitForLeaders: true }),
      (err, attempt) => opts.logger.warn({ err: err.message, attempt }, 'change topics not ready yet; retrying'),
    );
  } finally {
    await admin.disconnect();
  }
  await consumer.connect();
  await retryWhileRetriable(() => consumer.subscribe({ topics: bridge.topics, fromBeginning: true }));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      await bridge.handle({
        topic,
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value === null ? null : message.value.toString(),
        headers: textHeaders(message.headers),
      });
    },
  });
  return {
    async ready() {
      if (state !== 'in group') throw new NotReady(`Kafka consumer ${opts.groupId}: ${state}`);
    },
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** Kafka record headers as text (the relay's `traceparent`); a header sent more than once keeps its first value. */
function textHeaders(headers: IHeaders | undefined): Record<string, string> | undefined {
  if (!headers) return undefined;
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) text[name] = first.toString();
  }
  return text;
}

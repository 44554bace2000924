import { ConfigError } from '../../kernel/config.ts';
import { createLogger, type Logger } from '../../kernel/log.ts';
import { startTracing } from '../../kernel/tracing.ts';
import { CAPTURED_TABLES } from '../../subgraphs/captured-tables.ts';
import type { RelayConfig } from './config.ts';
import { kafkaSink } from './kafka-sink.ts';
import { Relay } from './relay.ts';
import type { ChangeSink } from './sink.ts';

/**
 * Starts the relay: to Kafka when KAFKA_BROKERS is set, else straight into an in-process sink
 * (the bridge of `npm start`), which decodes exactly what it would have read from Kafka.
 */
export async function start(
  config: RelayConfig,
  logger: Logger = createLogger({ service: 'relay', level: config.LOG_LEVEL }),
  inProcess?: ChangeSink,
): Promise<{ stop(): Promise<void> }> {
  let sink: ChangeSink & { close?(): Promise<void> };
  if (config.KAFKA_BROKERS) sink = await kafkaSink({ brokers: config.KAFKA_BROKERS, clientId: 'atrium-relay', logger });
  else if (inProcess) sink = inProcess;
  else throw new ConfigError(['KAFKA_BROKERS: required when the relay runs on its own']);
  const tracing = startTracing('relay', { logger });
  const relay = new Relay({
    databaseUrl: config.DATABASE_URL,
    slot: config.RELAY_SLOT,
    publication: config.RELAY_PUBLICATION,
    tables: CAPTURED_TABLES.map((t) => `${t.schema}.${t.table}`),
    topicPrefix: config.CDC_TOPIC_PREFIX,
    sink,
    logger,
    traced: tracing.active,
  });
  await relay.start();
  return {
    async stop() {
      await relay.stop();
      await sink.close?.();
      await tracing.shutdown();
    },
  };
}

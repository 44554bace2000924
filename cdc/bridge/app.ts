import { createServiceApp, listen } from '../../kernel/http.ts';
import { createLogger, type Logger } from '../../kernel/log.ts';
import { createMetrics } from '../../kernel/metrics.ts';
import { createEventBus } from '../../kernel/pubsub.ts';
import { createChangeLog } from '../delivery/config.ts';
import { startTracing } from '../../kernel/tracing.ts';
import { CAPTURED_TABLES } from '../../subgraphs/captured-tables.ts';
import { Bridge, type DeadLetter } from './bridge.ts';
import type { BridgeConfig } from './config.ts';
import { consumeIntoBridge } from './kafka-source.ts';

/**
 * Starts the bridge: a Kafka consumer group when KAFKA_BROKERS is set; otherwise it only builds the
 * Bridge for the in-process relay of `npm start` (undecodable records are then logged, not parked).
 */
export async function start(config: BridgeConfig, logger: Logger = createLogger({ service: 'bridge', level: config.LOG_LEVEL })) {
  const tracing = startTracing('bridge', { logger });
  const bus = createEventBus({ redisUrl: config.REDIS_URL, prefix: config.REDIS_PREFIX });
  const changes = createChangeLog({ ...config, bus });
  const make = (deadLetter: DeadLetter) =>
    new Bridge({ topicPrefix: config.CDC_TOPIC_PREFIX, tables: CAPTURED_TABLES, changes, deadLetter, logger });
  const kafka = config.KAFKA_BROKERS
    ? await consumeIntoBridge({
        brokers: config.KAFKA_BROKERS,
        groupId: config.BRIDGE_GROUP_ID,
        deadLetterTopic: config.BRIDGE_DLQ_TOPIC,
        fetchMaxWaitMs: config.BRIDGE_FETCH_MAX_WAIT_MS,
        createBridge: make,
        logger,
      })
    : undefined;
  const bridge = kafka ? undefined : make(async () => {});
  // Ready when its bus answers and, with Kafka, its consumer is in the group.
  const checks = { changes: () => changes.ping(), ...(kafka ? { kafka: () => kafka.ready() } : {}) };
  const http = await listen(createServiceApp(checks, logger, createMetrics('bridge')), config.PORT, config.HOST);
  logger.info({ kafka: Boolean(kafka), port: http.port }, 'bridge running');
  return {
    /** The in-process bridge, for the relay of `npm start`; undefined when it consumes Kafka. */
    bridge,
    /** Where its /health, /ready and /metrics answer. */
    port: http.port,
    async stop() {
      await kafka?.stop();
      await http.stop();
      await changes.close();
      await bus.close();
      await tracing.shutdown();
    },
  };
}

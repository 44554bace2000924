import { z } from 'zod';
import { cdcEnv } from '../config.ts';
import { loadConfig, type Env } from '../../kernel/config.ts';

const schema = cdcEnv.extend({
  PORT: z.coerce.number().int().min(0).max(65535).default(4010),
  BRIDGE_GROUP_ID: z.string().default('atrium-bridge'),
  BRIDGE_DLQ_TOPIC: z.string().default('atrium.dlq'),
  /** A real broker answers a waiting fetch as soon as data arrives; librdkafka's mock only at the deadline. */
  BRIDGE_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(100),
});

export type BridgeConfig = ReturnType<typeof loadBridgeConfig>;

export function loadBridgeConfig(source: Env = process.env) {
  return loadConfig(schema, source, ['KAFKA_BROKERS', 'REDIS_URL']);
}

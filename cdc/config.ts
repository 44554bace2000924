import { z } from 'zod';
import { env, serviceEnv } from '../kernel/config.ts';
import { changeLogEnv } from './delivery/settings.ts';

const brokers = z
  .string()
  .optional()
  .transform((v) => (v ? v.split(',').map((b) => b.trim()).filter(Boolean) : undefined));

/** Settings shared by the relay and the bridge: where changes travel and what they are called. */
export const cdcEnv = serviceEnv.extend({
  /** Kafka bootstrap servers, comma-separated; unset in `npm start`, where the relay feeds the bridge in-process. */
  KAFKA_BROKERS: brokers,
  /** Debezium's `topic.prefix`: topics are `<prefix>.<schema>.<table>`. */
  CDC_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9_.-]+$/).default('atrium'),
  REDIS_URL: env.redisUrl.optional(),
  REDIS_PREFIX: z.string().default('atrium:'),
  ...changeLogEnv,
});

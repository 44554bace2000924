import type { EventBus } from '../../kernel/pubsub.ts';
import type { ChangeLog } from './change-log.ts';
import { MemoryChangeLog } from './memory-change-log.ts';
import { RedisChangeLog } from './redis-change-log.ts';

// One in-process log per process: `npm start` runs the bridge and the subgraphs side by side.
let processLog: MemoryChangeLog | undefined;

/** The Redis change log when REDIS_URL is set (shared by every replica), else the process-wide one. */
export function createChangeLog(config: {
  REDIS_URL?: string | undefined;
  REDIS_PREFIX: string;
  EVENT_RETENTION_MS: number;
  EVENT_RETENTION_MAX_EVENTS: number;
  bus: EventBus;
}): ChangeLog {
  const retention = { retentionMs: config.EVENT_RETENTION_MS, maxEvents: config.EVENT_RETENTION_MAX_EVENTS };
  if (!config.REDIS_URL) {
    processLog ??= new MemoryChangeLog(retention);
    return processLog;
  }
  return new RedisChangeLog({ url: config.REDIS_URL, prefix: config.REDIS_PREFIX, bus: config.bus, retention });
}

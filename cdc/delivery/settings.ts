import { z } from 'zod';

/** How much event history subscribers can resume from; read by the bridge (which trims) and the subgraphs (which report it). */
export const changeLogEnv = {
  /** Events older than this are trimmed; a cursor before the trimmed ones gets CURSOR_EXPIRED. Default 24 h. */
  EVENT_RETENTION_MS: z.coerce.number().int().min(1000).max(30 * 86_400_000).default(86_400_000),
  /** At most this many events per channel, whatever their age (the memory bound). */
  EVENT_RETENTION_MAX_EVENTS: z.coerce.number().int().min(10).max(10_000_000).default(1_000_000),
};

import { ConfigError } from './config.ts';
import { createLogger } from './log.ts';

/**
 * The entry of every service: read config (a bad value ends the process with one line per
 * problem), start, and stop cleanly on SIGTERM/SIGINT so in-flight requests finish.
 */
export async function runService<C extends { LOG_LEVEL: string }>(
  service: string,
  loadConfig: () => C,
  start: (config: C, logger: ReturnType<typeof createLogger>) => Promise<{ stop(): Promise<void> }>,
): Promise<void> {
  let config: C;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`${service}: ${err.message}`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  const logger = createLogger({ service, level: config.LOG_LEVEL });
  const running = await start(config, logger).catch((err: unknown) => {
    logger.fatal({ err }, 'start-up failed');
    process.exit(1);
  });
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'stopping');
    await running.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

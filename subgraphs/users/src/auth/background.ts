import type { Logger } from '../../../../kernel/log.ts';

// Work still running per key, so a later step of the same flow on this process can wait for it.
const running = new Map<string, Promise<void>>();

/**
 * Starts `work` now without making the answer wait for it: whatever it costs (bcrypt, mail,
 * store writes) then never shows in how long a request takes. It starts synchronously, so its first
 * I/O is issued before the answer leaves. A failure is logged with `task`, never lost silently.
 * `key` names the flow (e.g. a registration for one email) for {@link settled}.
 */
export function inBackground(logger: Logger, task: string, key: string, work: () => Promise<void>): void {
  const started = (async () => work())().catch((err: unknown) => logger.error({ err, task }, 'background work failed'));
  const previous = running.get(key);
  const tracked = previous ? Promise.all([previous, started]).then(() => undefined) : started;
  running.set(key, tracked);
  void tracked.then(() => {
    if (running.get(key) === tracked) running.delete(key);
  });
}

/** Resolves once the work started under `key` on this process has finished (at once when none has). */
export async function settled(key: string): Promise<void> {
  await running.get(key);
}

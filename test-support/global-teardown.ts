/** Stops what global-setup started (nothing when the run was given DATABASE_URL and REDIS_URL). */
export default async function globalTeardown(): Promise<void> {
  const stops = (globalThis as { __atriumStops?: (() => Promise<unknown>)[] }).__atriumStops ?? [];
  for (const stop of stops) await stop();
}

import { execFile } from 'node:child_process';
import { createServer } from 'node:net';

/** Why `npm start` cannot go on; its message is one line a newcomer can act on. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** True when nothing listens on `port` (on any local address). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** "postgres (pid 6361)" for whatever listens on `port`, from `ss` where the machine has it. */
export function whoListensOn(port: number): Promise<string> {
  return new Promise((resolve) => {
    execFile('ss', ['-ltnpH', `sport = :${port}`], { timeout: 2000 }, (err, stdout) => {
      const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout ?? '');
      resolve(!err && match ? `${match[1]} (pid ${match[2]})` : 'another program');
    });
  });
}

/**
 * Refuses to start on a taken gateway port, and says what holds it: a running Atrium (its /health
 * answers) or another program.
 */
export async function assertGatewayPortFree(port: number): Promise<void> {
  if (await portIsFree(port)) return;
  const atrium = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) })
    .then(async (res) => res.ok && 'status' in ((await res.json()) as object))
    .catch(() => false);
  if (atrium) throw new StartupError(`Atrium is already running on http://localhost:${port}/graphql (stop it first, or start another with PORT=<port>)`);
  throw new StartupError(`port ${port} is in use by ${await whoListensOn(port)}; start with PORT=<another port>`);
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from './log.ts';
import type { ServiceMetrics } from './metrics.ts';

/** A readiness failure whose message is safe to show on /ready (no addresses, no driver text). */
export class NotReady extends Error {
  override name = 'NotReady';
}

/** A named dependency a service needs before it can take traffic; resolves when it answers. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * Facts about a service's surroundings shown on `/health` (the gateway's subgraphs). They inform and
 * never decide: `/health` stays 200 while the process is up, whatever they say.
 */
export type HealthDetail = () => Promise<unknown>;

/** A detail that does not answer within this is shown as "unknown": liveness must not wait on the network. */
const DETAIL_TIMEOUT_MS = 2500;

/**
 * `/health` answers 200 while the process is up, with `details` beside the status; `/ready` answers
 * 503 until every check passes, with the failing ones named (a word, never error text: probes are
 * unauthenticated), so an orchestrator routes traffic only to a replica that can serve it.
 */
export function mountProbes(
  app: express.Express,
  checks: Record<string, ReadinessCheck>,
  logger: Logger,
  details: Record<string, HealthDetail> = {},
): void {
  app.get('/health', async (_req, res) => {
    const shown = await Promise.all(
      Object.entries(details).map(async ([name, detail]) => {
        try {
          return [name, await withTimeout(detail(), DETAIL_TIMEOUT_MS)] as const;
        } catch (err) {
          logger.warn({ detail: name, err: (err as Error).message }, 'health detail failed');
          return [name, 'unknown'] as const;
        }
      }),
    );
    res.json({ status: 'ok', ...Object.fromEntries(shown) });
  });
  app.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (err) {
          logger.warn({ check: name, err: (err as Error).message }, 'readiness check failed');
          // A reason written for operators (NotReady) is shown; anything else stays internal.
          return [name, err instanceof NotReady ? `failing: ${err.message}` : 'failing'] as const;
        }
      }),
    );
    const ready = results.every(([, state]) => state === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** An express app with the settings and probes every Atrium service shares. */
export function createServiceApp(
  checks: Record<string, ReadinessCheck>,
  logger: Logger,
  metrics: ServiceMetrics,
  /**
   * Which proxies' X-Forwarded-For to believe for req.ip. Subgraphs believe private-network peers
   * (the gateway); the gateway believes only what TRUST_PROXY names, so clients cannot pick their IP.
   * @default 'loopback, linklocal, uniquelocal'
   */
  trustProxy: boolean | number | string = 'loopback, linklocal, uniquelocal',
  /** Shown on `/health`, never deciding it (see {@link mountProbes}). */
  healthDetails: Record<string, HealthDetail> = {},
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  mountProbes(app, checks, logger, healthDetails);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}

/**
 * Listens on `host`:`port` (0 picks a free port) and returns the bound URL and a stop that drains
 * connections. Services pass their HOST setting; loopback is the default so nothing is exposed by accident.
 */
export async function listen(app: express.Express, port: number, host = '127.0.0.1') {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    url: `http://${reachableHost(host)}:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** Where a process on this machine reaches a server bound to `host`: a wildcard or loopback bind answers on localhost. */
function reachableHost(host: string): string {
  if (['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

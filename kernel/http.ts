import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Logger } from './log.ts';
import type { ServiceMetrics } from './metrics.ts';

/** A named dependency a service needs before it can take traffic; resolves when it answers. */
export type ReadinessCheck = () => Promise<unknown>;

/**
 * `/health` answers while the process is up; `/ready` answers 503 until every check passes, with
 * the failing ones named, so an orchestrator routes traffic only to a replica that can serve it.
 */
export function mountProbes(app: express.Express, checks: Record<string, ReadinessCheck>, logger: Logger): void {
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2000);
          return [name, 'ok'] as const;
        } catch (err) {
          logger.warn({ check: name, err: (err as Error).message }, 'readiness check failed');
          return [name, 'failing'] as const;
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
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy);
  mountProbes(app, checks, logger);
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}

/** Listens on `port` (0 picks a free one) and returns the bound URL and a stop that drains connections. */
export async function listen(app: express.Express, port: number, host = '0.0.0.0') {
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    url: `http://localhost:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

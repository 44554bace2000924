import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { subgraphHealth } from '../src/readiness.ts';

/** A stand-in subgraph that counts the probes it gets and answers /ready as told (or never). */
let server: Server;
let hits = 0;
let answer: number | 'hang' = 200;
let base = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url !== '/ready') return void res.writeHead(404).end();
    hits += 1;
    if (answer !== 'hang') res.writeHead(answer).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  hits = 0;
  answer = 200;
});

const toy = () => [{ name: 'toy', url: `${base}/graphql` }];

describe('subgraph health on the gateway', () => {
  test('a flood of concurrent and repeated checks probes each subgraph once per cache window', async () => {
    const health = subgraphHealth(toy(), new Registry(), { cacheMs: 60_000 });
    const rounds = await Promise.all(Array.from({ length: 50 }, () => health.report()));
    for (let i = 0; i < 50; i++) await health.report();
    expect(hits).toBe(1);
    expect(rounds.every((r) => r.toy?.status === 'ok')).toBe(true);
  });

  test('once the cache window has passed, the next check probes again and sees the change', async () => {
    const health = subgraphHealth(toy(), new Registry(), { cacheMs: 50 });
    expect(await health.report()).toEqual({ toy: { status: 'ok' } });
    answer = 503;
    await new Promise((r) => setTimeout(r, 60));
    expect(await health.report()).toEqual({ toy: { status: 'failing', reason: 'answered 503' } });
    expect(hits).toBe(2);
  });

  test('a subgraph that never answers reads as timed out after the short timeout, not after the client gives up', async () => {
    answer = 'hang';
    const health = subgraphHealth(toy(), new Registry(), { timeoutMs: 200 });
    const started = Date.now();
    expect(await health.report()).toEqual({ toy: { status: 'failing', reason: 'timed out' } });
    expect(Date.now() - started).toBeLessThan(1500);
  });

  test('a scrape of the registry refreshes atrium_subgraph_up with 1 for up and 0 for failing', async () => {
    const registry = new Registry();
    subgraphHealth([...toy(), { name: 'gone', url: 'http://127.0.0.1:1/graphql' }], registry);
    const text = await registry.metrics();
    expect(text).toMatch(/^atrium_subgraph_up\{subgraph="toy"\} 1$/m);
    expect(text).toMatch(/^atrium_subgraph_up\{subgraph="gone"\} 0$/m);
  });
});

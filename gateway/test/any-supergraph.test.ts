import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { internalSecretOf } from '../../kernel/config.ts';
import { createLogger } from '../../kernel/log.ts';
import { createMetrics } from '../../kernel/metrics.ts';
import { startSubgraphServer, type RunningService } from '../../kernel/subgraph-server.ts';
import { start } from '../src/app.ts';
import { loadGatewayConfig } from '../src/config.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Greeting @key(fields: "id") { id: ID! text: String! }
  type Query { greeting(name: String!): Greeting! }
`);

let toy: RunningService;
let supergraphPath: string;
beforeAll(async () => {
  toy = await startSubgraphServer({
    name: 'toy',
    typeDefs,
    resolvers: { Query: { greeting: (_: unknown, { name }: { name: string }) => ({ id: name, text: `Hello, ${name}` }) } },
    port: 0,
    internalSecret: internalSecretOf({}),
    logger,
    production: false,
    readiness: {},
    metrics: createMetrics('toy'),
    context: async () => ({}),
  });
  const composed = composeServices([{ name: 'toy', url: toy.url, typeDefs }]);
  if (composed.errors) throw composed.errors[0];
  supergraphPath = join(await mkdtemp(join(tmpdir(), 'atrium-supergraph-')), 'toy.graphql');
  await writeFile(supergraphPath, composed.supergraphSdl);
});
afterAll(() => toy.stop());

/** Runs `fn` against a gateway started on the toy supergraph with `env`, and always stops it. */
async function withGateway(env: Record<string, string>, fn: (gateway: RunningService) => Promise<void>) {
  const gateway = await start(loadGatewayConfig({ PORT: '0', LOG_LEVEL: 'silent', ...env }, ['--supergraph', supergraphPath]), logger);
  try {
    await fn(gateway);
  } finally {
    await gateway.stop();
  }
}

const post = (url: string, query: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });

describe('the gateway on a supergraph given with --supergraph', () => {
  test('serves its operations over POST and GET, with /health and /ready', async () => {
    await withGateway({}, async (gateway) => {
      const body = await (await post(gateway.url, '{ greeting(name: "Ada") { text } }')).json();
      expect(body).toEqual({ data: { greeting: { text: 'Hello, Ada' } } });
      const viaGet = await fetch(`${gateway.url}?query=${encodeURIComponent('{ greeting(name: "Bo") { text } }')}`, {
        headers: { 'apollo-require-preflight': 'true' },
      });
      expect(await viaGet.json()).toEqual({ data: { greeting: { text: 'Hello, Bo' } } });
      const base = gateway.url.replace(/\/graphql$/, '');
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect(await (await fetch(`${base}/ready`)).json()).toEqual({ status: 'ready', checks: { supergraph: 'ok', store: 'ok' } });
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok', subgraphs: { toy: { status: 'ok' } } });
    });
  });

  test('CSRF prevention refuses a simple GET that a browser form could forge', async () => {
    await withGateway({}, async (gateway) => {
      const forged = await fetch(`${gateway.url}?query=${encodeURIComponent('{ greeting(name: "x") { text } }')}`);
      expect(forged.status).toBe(400);
    });
  });

  test('in production introspection is off and there is no Sandbox landing page', async () => {
    await withGateway({ NODE_ENV: 'production', REDIS_URL: process.env.REDIS_URL as string, INTERNAL_SECRET: internalSecretOf({}) }, async (gateway) => {
      const body = (await (await post(gateway.url, '{ __schema { types { name } } }')).json()) as { errors: any[] };
      expect(body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(body.errors[0].message).toMatch(/introspection/i);
      const landing = await fetch(gateway.url, { headers: { accept: 'text/html' } });
      expect(await landing.text()).not.toMatch(/sandbox/i);
    });
  });

  test('a subgraph that does not answer leaves the gateway ready and shows as failing on /health', async () => {
    await withGateway({ SUBGRAPH_TOY_URL: 'http://127.0.0.1:1/graphql' }, async (gateway) => {
      // Every replica sees the same subgraphs: failing /ready on one would take them all out of service.
      const ready = await fetch(gateway.url.replace(/\/graphql$/, '/ready'));
      expect(ready.status).toBe(200);
      const health = await fetch(gateway.url.replace(/\/graphql$/, '/health'));
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok', subgraphs: { toy: { status: 'failing', reason: 'unreachable' } } });
      // A subgraph that is down is an internal fault: generic text, no address or stack for the client.
      const body = (await (await post(gateway.url, '{ greeting(name: "x") { text } }')).json()) as { errors: any[] };
      expect(body.errors[0].extensions.code).toBe('INTERNAL_SERVER_ERROR');
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack/);
    });
  });

  test('a missing supergraph file stops start-up with its path in the message', async () => {
    await expect(start(loadGatewayConfig({ PORT: '0' }, ['--supergraph', '/nope/missing.graphql']), logger)).rejects.toThrow(
      /Cannot read the supergraph at \/nope\/missing.graphql: ENOENT/,
    );
  });
});

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Identity } from '../../kernel/auth.ts';
import { apiKeyAuthenticator } from '../src/api-keys.ts';

const KEY = `atr_abcdefgh_${'k'.repeat(43)}`;
const otherKey = (n: number) => `atr_abcdefgh_${String(n).padStart(43, 'x')}`;

/** A stand-in for the users subgraph's exchange endpoint that answers whatever the test says. */
async function exchangeStub(answer: (req: IncomingMessage, res: ServerResponse) => void) {
  const calls: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    calls.push(req);
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/internal/api-keys/token`, calls, close: () => new Promise((r) => server.close(r)) };
}

const identity = (): Identity => ({
  userId: 'u1',
  sessionId: 'k1',
  roles: ['user'],
  token: 'token',
  issuedAt: Math.floor(Date.now() / 1000),
  expiresAt: Math.floor(Date.now() / 1000) + 60,
  client: 'partner',
});
const verify = async () => identity();
const codeOf = (err: unknown) => (err as { extensions?: { code?: string } }).extensions?.code;
const failure = (p: Promise<unknown>) => p.then(() => 'resolved', codeOf);

describe('API keys at the gateway', () => {
  test('a refused key is remembered as unknown, concurrent lookups share one exchange', async () => {
    const stub = await exchangeStub((_req, res) => res.writeHead(401).end('{}'));
    try {
      const authenticate = apiKeyAuthenticator(stub.url, verify);
      expect(await Promise.all([failure(authenticate(KEY)), failure(authenticate(KEY))])).toEqual(['UNAUTHENTICATED', 'UNAUTHENTICATED']);
      expect(await failure(authenticate(KEY))).toBe('UNAUTHENTICATED');
      expect(stub.calls).toHaveLength(1);
      // Something that cannot be a key is refused without asking at all.
      expect(await failure(authenticate('not-a-key'))).toBe('UNAUTHENTICATED');
      expect(stub.calls).toHaveLength(1);
    } finally {
      await stub.close();
    }
  });

  test('the unknown-key cache is a bounded LRU and its entries expire', async () => {
    const stub = await exchangeStub((_req, res) => res.writeHead(401).end('{}'));
    try {
      const authenticate = apiKeyAuthenticator(stub.url, verify, { maxEntries: 2, unknownTtlMs: 200 });
      for (const n of [1, 2, 3]) await failure(authenticate(otherKey(n)));
      await failure(authenticate(otherKey(1))); // evicted by 3: asked again
      await failure(authenticate(otherKey(3))); // still remembered
      expect(stub.calls).toHaveLength(4);
      await new Promise((r) => setTimeout(r, 250));
      await failure(authenticate(otherKey(3))); // expired: asked again
      expect(stub.calls).toHaveLength(5);
    } finally {
      await stub.close();
    }
  });

  test('a good key is exchanged once while its token lives, with the extra headers', async () => {
    const stub = await exchangeStub((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"accessToken":"t"}'));
    try {
      const authenticate = apiKeyAuthenticator(stub.url, verify, { headers: () => ({ 'x-atrium-internal': 'credential' }) });
      expect((await authenticate(KEY)).sessionId).toBe('k1');
      expect((await authenticate(KEY)).sessionId).toBe('k1');
      expect(stub.calls).toHaveLength(1);
      expect(stub.calls[0]?.headers['x-atrium-internal']).toBe('credential');
    } finally {
      await stub.close();
    }
  });

  test('an outage of the users subgraph is SERVICE_UNAVAILABLE, never UNAUTHENTICATED', async () => {
    const down = await exchangeStub((_req, res) => res.writeHead(502).end('bad gateway'));
    const hanging = await exchangeStub(() => {});
    try {
      const authenticate = apiKeyAuthenticator(down.url, verify);
      const err = await authenticate(KEY).catch((e: unknown) => e);
      expect(codeOf(err)).toBe('SERVICE_UNAVAILABLE');
      expect((err as { extensions: { http?: { status?: number } } }).extensions.http?.status).toBe(503);
      // A 5xx is not remembered as unknown: the next call asks again.
      expect(await failure(authenticate(KEY))).toBe('SERVICE_UNAVAILABLE');
      expect(down.calls).toHaveLength(2);
      expect(await failure(apiKeyAuthenticator(hanging.url, verify, { timeoutMs: 100 })(KEY))).toBe('SERVICE_UNAVAILABLE');
      expect(await failure(apiKeyAuthenticator('http://127.0.0.1:1/token', verify)(KEY))).toBe('SERVICE_UNAVAILABLE');
      const brokenKeys = async (): Promise<Identity> => {
        throw new Error('JWKS unreachable');
      };
      const minted = await exchangeStub((_req, res) => res.writeHead(200).end('{"accessToken":"t"}'));
      try {
        expect(await failure(apiKeyAuthenticator(minted.url, brokenKeys)(KEY))).toBe('SERVICE_UNAVAILABLE');
      } finally {
        await minted.close();
      }
    } finally {
      await down.close();
      for (const req of hanging.calls) req.socket.destroy();
      await hanging.close();
    }
  });
});

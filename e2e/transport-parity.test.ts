import WebSocket from 'ws';
import { login, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * HTTP and the socket must admit and answer alike: the same operations, sent both ways by the same
 * caller, get the same data and the same error codes (and limits). Drift between the two transports
 * is the defect this test exists for.
 */
let system: System;
let ann: Auth;
let dan: Auth;
beforeAll(async () => {
  system = await startSystem({ MAX_DEPTH: '4', MAX_ALIASES: '3' });
  ann = await register(system, 'ann@example.com');
  dan = await register(system, 'dan@example.com');
  await system.createUser('root@example.com', 'root password', { admin: true });
  const admin = (await login(system, 'root@example.com', 'root password')).data!.login;
  await system.client({ token: admin.accessToken }).ok('mutation($id: ID!) { disableUser(id: $id) { id } }', { id: dan.user.id });
});
afterAll(() => system.stop());

interface Answer {
  data: unknown;
  codes: string[];
  limits: unknown[];
}

const normalise = (body: { data?: unknown; errors?: { extensions?: { code?: string; limit?: unknown } }[] }): Answer => ({
  data: body.data ?? null,
  codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'NONE').sort(),
  limits: (body.errors ?? []).map((e) => e.extensions?.limit ?? null),
});

async function overHttp(token: string | undefined, query: string, operationName?: string): Promise<Answer> {
  const res = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, operationName }),
  });
  return normalise((await res.json()) as never);
}

/** One socket per call: connection_init with the token, one subscribe frame, its next/error frames. */
async function overSocket(token: string | undefined, query: string, operationName?: string): Promise<Answer | { closed: number }> {
  const socket = new WebSocket(system.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const frames: any[] = [];
  const done = new Promise<Answer | { closed: number }>((resolve) => {
    socket.on('close', (code) => resolve({ closed: code }));
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString());
      frames.push(frame);
      if (frame.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query, operationName } }));
      if (frame.type === 'error') resolve(normalise({ errors: frame.payload }));
      if (frame.type === 'complete') resolve(normalise(frames.find((f) => f.type === 'next')?.payload ?? {}));
    });
  });
  await new Promise((r) => socket.on('open', r));
  socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
  const answer = await done;
  socket.close();
  return answer;
}

const cases: [string, () => string | undefined, string, string?][] = [
  ['a signed-in query', () => ann.accessToken, '{ me { email } }'],
  ['an anonymous query of a public field', () => undefined, '{ agents { slug } }'],
  ['an anonymous query of a private field', () => undefined, '{ sessions { id } }'],
  ['an unknown field', () => ann.accessToken, '{ me { nope } }'],
  ['a syntax error', () => ann.accessToken, '{ me { id '],
  ['too deep', () => ann.accessToken, '{ me { instances { owner { instances { owner { id } } } } } }'],
  ['too many aliases', () => ann.accessToken, '{ a: me { id } b: me { id } c: me { id } d: me { id } }'],
  ['an unknown operationName', () => ann.accessToken, 'query A { me { id } }', 'B'],
  ['a mutation with bad input', () => ann.accessToken, 'mutation { updateMe(input: { phone: "not a phone" }) { id } }'],
  ['a disabled account', () => dan.accessToken, '{ me { id } }'],
];

describe('HTTP and the socket answer alike', () => {
  // Rest parameters: jest reads a function of more parameters than the row as one wanting `done`.
  test.each(cases)('%s', async (...[_name, token, query, operationName]) => {
    const http = await overHttp(token(), query, operationName);
    const socket = await overSocket(token(), query, operationName);
    if ('closed' in socket) {
      // A refused credential closes the socket at connect: it must be refused over HTTP too.
      expect(http.codes.length).toBeGreaterThan(0);
      expect(http.codes.every((c) => c === 'UNAUTHENTICATED' || c === 'FORBIDDEN')).toBe(true);
      expect([4401, 4403]).toContain(socket.closed);
      return;
    }
    expect(socket).toEqual(http);
  });
});

describe('a subscription on the socket meets the limits a query meets over HTTP', () => {
  const pairs: [string, string, string][] = [
    ['depth', '{ me { instances { owner { instances { owner { id } } } } } }', 'subscription { instanceEvents { instance { owner { instances { owner { id } } } } } }'],
    ['aliases', '{ a: me { id } b: me { id } c: me { id } d: me { id } }', 'subscription { instanceEvents { a: type b: type c: type d: type } }'],
    ['an unknown field', '{ me { nope } }', 'subscription { instanceEvents { nope } }'],
  ];
  test.each(pairs)('%s', async (...[, query, subscription]) => {
    const http = await overHttp(ann.accessToken, query);
    const socket = await overSocket(ann.accessToken, subscription);
    expect(socket).toEqual({ data: null, codes: http.codes, limits: http.limits });
  });
});

import WebSocket from 'ws';
import { login, type Auth } from '../test-support/journeys.ts';
import { PRODUCTION_ENV, startSystem, type System } from '../test-support/system.ts';

/** Text that must never reach a client: driver, store and runtime internals. */
const INTERNAL = /postgres|pg_|ioredis|ECONN|EPIPE|MikroORM|select \S+ from|TypeError|ReferenceError|Cannot read prop|node_modules|\bat [\w.<>]+ \(|stack/i;

interface Outcome {
  what: string;
  status: number;
  body: string;
}

let system: System;
let ann: Auth;
beforeAll(async () => {
  // The production settings: what an attacker meets.
  system = await startSystem({ ...PRODUCTION_ENV, CORS_ORIGINS: 'https://app.example' });
  await system.createUser('ann@example.com', 'ann password 1');
  ann = (await login(system, 'ann@example.com', 'ann password 1')).data!.login;
});
afterAll(() => system.stop());

/** Generated hostile HTTP requests over the categories of the issue; each is sent once. */
function* hostileRequests(token: string): Generator<{ what: string; init: RequestInit & { path?: string } }> {
  const json = { 'content-type': 'application/json' };
  const queries = [
    '{ me { id } }',
    '{ me { id',
    '{ __typename @skip(if: $x) }',
    'query A { me { id } } query A { me { id } }',
    'query A { me { id } } query B { agents { id } }',
    `{ agents(first: ${'9'.repeat(40)}) { id } }`,
    `{ agent(id: "${'\u0000'.repeat(10)}") { id } }`,
    `{ agent(id: ${'['.repeat(500)}"x"${']'.repeat(500)}) { id } }`,
    `{ ${'a: __typename '.repeat(40)} }`,
    'mutation { login(input: {email: "a@b.c\u0000", password: "x"}) { accessToken } }',
    'subscription { instanceEvents { type } }',
    '{ user(id: "not-a-uuid") { email } }',
    '{ instance(id: "00000000-0000-0000-0000-000000000000") { id } }',
    '{ meh { id } }',
    'fragment F on Query { ...F } { ...F }',
  ];
  const operationNames = [undefined, null, 'A', 'B', 'Nope', '', 42, {}, ['A']];
  const variableSets = [undefined, null, {}, { x: 1 }, 'string', [1, 2], { input: { email: { $gt: '' } } }];
  // Every query with every operation name and variables, anonymous and signed in.
  const callers: Record<string, string>[] = [{}, { authorization: `Bearer ${token}` }];
  for (const query of queries) {
    for (const operationName of operationNames) {
      for (const variables of variableSets) {
        for (const caller of callers) {
          const body = JSON.stringify({ query, operationName, variables });
          yield { what: `query ${query.slice(0, 30)} op=${String(operationName)}`, init: { method: 'POST', headers: { ...json, ...caller }, body } };
        }
      }
    }
  }
  const bodies = ['', '{', 'null', '[]', '[{}]', '"query"', '{"query": 1}', '{"query": null}', '{"query": {"a":1}}', '{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "x"}}}', '{"extensions": {"persistedQuery": "x"}}', '\u0000\u0001', '{"query":"{ me { id } }"'];
  for (const body of bodies) yield { what: `body ${body.slice(0, 20)}`, init: { method: 'POST', headers: json, body } };
  const contentTypes = ['text/plain', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/graphql', ''];
  for (const type of contentTypes) {
    yield { what: `content-type ${type}`, init: { method: 'POST', headers: { 'content-type': type, 'apollo-require-preflight': '1' }, body: '{"query":"{ me { id } }"}' } };
  }
  for (const encoding of ['gzip', 'deflate', 'br', 'x-unknown', 'gzip, gzip']) {
    yield { what: `content-encoding ${encoding}`, init: { method: 'POST', headers: { ...json, 'content-encoding': encoding }, body: 'not compressed at all' } };
  }
  const cookies = ['atrium_access=%E0%A4%A', 'atrium_access=', 'atrium_refresh=%', '=;=;;', `atrium_access=${'x'.repeat(8000)}`, 'atrium_refresh=a.b.c; atrium_access=a.b.c'];
  for (const cookie of cookies) {
    yield { what: `cookie ${cookie.slice(0, 20)}`, init: { method: 'POST', headers: { ...json, cookie }, body: JSON.stringify({ query: 'mutation { logout }' }) } };
  }
  const tokens = ['Bearer', 'Bearer ', 'Basic abc', `Bearer ${token.slice(0, -3)}abc`, `Bearer ${'a'.repeat(5000)}`, 'Bearer a.b.c', `Bearer ${token} extra`];
  for (const authorization of tokens) {
    yield { what: `authorization ${authorization.slice(0, 16)}`, init: { method: 'POST', headers: { ...json, authorization }, body: JSON.stringify({ query: '{ me { id } }' }) } };
  }
  for (const key of ['', 'x', 'atr_aaaaaaaa_short', `atr_aaaaaaaa_${'A'.repeat(43)}`, '\u00ff\u00fe']) {
    yield { what: `api key ${key.slice(0, 10)}`, init: { method: 'POST', headers: { ...json, 'x-api-key': key }, body: JSON.stringify({ query: '{ me { id } }' }) } };
  }
  const gets = ['?query=%7B%20me%20%7B%20id%20%7D%20%7D', '?query=mutation%20%7B%20logout%20%7D', '?query=%E0%A4%A', '?variables=%7B', '?query={me{id}}&variables=[1]', '?extensions=%7B%22persistedQuery%22%3A1%7D', `?query=${'%7B'.repeat(3000)}`];
  for (const q of gets) yield { what: `GET ${q.slice(0, 30)}`, init: { method: 'GET', headers: { 'apollo-require-preflight': '1' }, path: q } };
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) yield { what: `method ${method}`, init: { method, headers: json, body: '{}' } };
  yield { what: 'oversized body', init: { method: 'POST', headers: json, body: JSON.stringify({ query: `{ me { id } } #${'x'.repeat(300_000)}` }) } };
}

describe('hostile input at the edge (production settings)', () => {
  test('thousands of malformed HTTP requests: no 5xx, no internal text', async () => {
    const outcomes: Outcome[] = [];
    for (const { what, init } of hostileRequests(ann.accessToken)) {
      const { path = '', ...rest } = init;
      const res = await fetch(`${system.gatewayUrl}${path}`, rest);
      outcomes.push({ what, status: res.status, body: await res.text() });
    }
    console.info(`hostile HTTP: ${outcomes.length} requests, ${outcomes.filter((o) => o.status >= 500).length} answered >= 500`);
    expect(outcomes.filter((o) => o.status >= 500).map((o) => `${o.what} -> ${o.status} ${o.body.slice(0, 200)}`)).toEqual([]);
    expect(outcomes.filter((o) => INTERNAL.test(o.body)).map((o) => `${o.what} -> ${o.body.slice(0, 300)}`)).toEqual([]);
    // No "Did you mean" in production: suggestions map the schema.
    expect(outcomes.filter((o) => /Did you mean/.test(o.body)).map((o) => o.what)).toEqual([]);
  });

  test('malformed socket frames close the socket with a 44xx code or answer an error frame, never crash or leak', async () => {
    const frames: unknown[] = [
      'not json',
      '{}',
      '[]',
      JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ me { id } }' } }),
      JSON.stringify({ type: 'next', id: '1', payload: {} }),
      JSON.stringify({ type: 'connection_init', payload: 'x' }),
      JSON.stringify({ type: 'unknown' }),
      JSON.stringify({ type: 'complete' }),
      JSON.stringify({ type: 'ping', payload: 1 }),
      JSON.stringify({ type: 'subscribe', id: '1', payload: { query: '{ me { id } }', variables: [1] } }),
    ];
    const closes: { frame: string; code: number; reason: string }[] = [];
    for (const frame of frames) {
      const socket = new WebSocket(system.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
      const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
      await new Promise((r) => socket.on('open', r));
      socket.send(frame as string);
      const result = await Promise.race([closed, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
      socket.terminate();
      if (result) closes.push({ frame: String(frame).slice(0, 40), ...result });
    }
    expect(closes.filter((c) => c.code < 4400 || c.code >= 4500 || INTERNAL.test(c.reason))).toEqual([]);

    // After init: subscribes with hostile operations get error frames with a code, no internal text.
    const socket = new WebSocket(system.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const received: any[] = [];
    let closedWith = '';
    socket.on('message', (raw) => received.push(JSON.parse(raw.toString())));
    socket.on('close', (code, reason) => {
      closedWith = `${code} ${reason.toString()}`;
    });
    await new Promise((r) => socket.on('open', r));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ann.accessToken}` } }));
    for (let i = 0; i < 100 && !received.some((f) => f.type === 'connection_ack'); i++) await new Promise((r) => setTimeout(r, 20));
    const hostile = ['{', 'subscription { nope }', 'subscription A { instanceEvents { type } } subscription A { instanceEvents { type } }', `subscription { instanceEvents(instanceId: "${'\u0000'}") { type } }`, 'subscription { instanceEvents { tpye } }'];
    for (const [i, query] of hostile.entries()) socket.send(JSON.stringify({ type: 'subscribe', id: `h${i}`, payload: { query } }));
    // The HTTP generator's documents as subscribe frames too (queries and mutations run over the socket as well).
    let n = 0;
    for (const { init } of hostileRequests(ann.accessToken)) {
      if (init.method !== 'POST' || typeof init.body !== 'string' || (init.headers as Record<string, string>).authorization) continue;
      let payload: unknown;
      try {
        payload = JSON.parse(init.body);
      } catch {
        continue;
      }
      // logout would (rightly) end this very socket's session.
      // Frames over MAX_BODY_BYTES close with 1009 (message too big), checked below on a socket of their own.
      if (init.body.length > 100_000) continue;
      if (!payload || typeof (payload as { query?: unknown }).query !== 'string' || init.body.includes('logout')) continue;
      // A payload the protocol itself refuses (operationName not a string, variables not an object)
      // closes the socket with 4400, as the first frames above show; here only well-formed frames.
      const { operationName, variables } = payload as { operationName?: unknown; variables?: unknown };
      if (operationName != null && typeof operationName !== 'string') continue;
      if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) continue;
      socket.send(JSON.stringify({ type: 'subscribe', id: `g${n++}`, payload }));
      if (n % 20 === 0) await new Promise((r) => setTimeout(r, 10));
    }
    console.info(`hostile socket: ${n + hostile.length} subscribe frames after init`);
    await new Promise((r) => setTimeout(r, 2000));
    expect(closedWith).toBe('');
    socket.close();

    const big = new WebSocket(system.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const bigClosed = new Promise<number>((resolve) => big.on('close', (code) => resolve(code)));
    await new Promise((r) => big.on('open', r));
    big.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(200_000) } }));
    expect(await bigClosed).toBe(1009);
    const errors = received.filter((f) => f.type === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(4);
    for (const e of errors) {
      for (const err of e.payload) expect(err.extensions?.code).toMatch(/^[A-Z_]+$/);
    }
    expect(JSON.stringify(received)).not.toMatch(INTERNAL);
    expect(JSON.stringify(received)).not.toMatch(/Did you mean/);
  });
});

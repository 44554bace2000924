import WebSocket from 'ws';
import { INTERNAL_HEADER } from '../kernel/internal-auth.ts';
import { codeOf } from '../test-support/graphql-client.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

let system: System;
let alice: Auth;
let mallory: Auth;
beforeAll(async () => {
  system = await startSystem();
  alice = await register(system, 'alice@example.com');
  mallory = await register(system, 'mallory@example.com');
});
afterAll(() => system.stop());

/** Every subgraph the gateway serves, by name and URL: a new subgraph is covered without editing this file. */
const subgraphs = () =>
  Object.entries(system)
    .filter(([, v]) => typeof v === 'object' && v !== null && 'url' in v && 'deps' in v)
    .map(([name, v]) => [name, (v as { url: string }).url] as const);

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

describe('subgraphs trust only the gateway', () => {
  test('every subgraph refuses _service, _entities and queries without the gateway credential', async () => {
    expect(subgraphs().map(([name]) => name)).toEqual(expect.arrayContaining(['users', 'catalog', 'instances']));
    for (const [, url] of subgraphs()) {
      for (const query of ['{ _service { sdl } }', '{ __typename }', 'query($r:[_Any!]!){ _entities(representations:$r){ __typename } }']) {
        const res = await post(url, { query, variables: { r: [] } }, { authorization: `Bearer ${alice.accessToken}` });
        expect(res.status).toBe(403);
        expect((await res.json()).errors[0].extensions.code).toBe('FORBIDDEN');
      }
    }
  });

  test('a forged or expired credential is refused like none at all', async () => {
    const expired = `v1.${Math.floor(Date.now() / 1000) - 10}.${'A'.repeat(43)}`;
    const forged = `v1.${Math.floor(Date.now() / 1000) + 60}.${'A'.repeat(43)}`;
    for (const credential of [expired, forged, 'nonsense']) {
      const res = await post(system.users.url, { query: '{ __typename }' }, { [INTERNAL_HEADER]: credential });
      expect(res.status).toBe(403);
    }
  });

  test('probes and metrics stay open; internal routes do not', async () => {
    for (const [, url] of subgraphs()) {
      const base = url.replace(/\/graphql$/, '');
      for (const path of ['/health', '/ready', '/metrics']) expect((await fetch(`${base}${path}`)).status).toBe(200);
    }
    const exchange = await post(system.users.url.replace(/\/graphql$/, '/internal/api-keys/token'), { key: 'atr_aaaaaaaa_x' });
    expect(exchange.status).toBe(403);
  });

  test('a subgraph socket without the gateway credential is refused', async () => {
    const socket = new WebSocket(system.instances.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice.accessToken}` } })));
    expect(await closed).toBe(4403);
  });

  test("a user's email, phone and telegram resolve only for the owner and admins, also through _entities", async () => {
    await system.client({ token: alice.accessToken }).ok('mutation { updateMe(input: { phone: "+44 20 7946 0000", telegram: "@alice_tg" }) { id } }');
    const query = 'query($r:[_Any!]!){ _entities(representations:$r){ ... on User { id phone telegram } } }';
    const emailQuery = 'query($r:[_Any!]!){ _entities(representations:$r){ ... on User { id email } } }';
    const r = [{ __typename: 'User', id: alice.user.id }];
    const as = async (q: string, token: string) =>
      (await post(system.users.url, { query: q, variables: { r } }, { ...system.internalHeaders(), authorization: `Bearer ${token}` })).json();
    expect((await as(query, alice.accessToken)).data._entities[0]).toEqual({ id: alice.user.id, phone: '+44 20 7946 0000', telegram: '@alice_tg' });
    expect((await as(query, mallory.accessToken)).data._entities[0]).toEqual({ id: alice.user.id, phone: null, telegram: null });
    const stranger = await as(emailQuery, mallory.accessToken);
    expect(stranger.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(JSON.stringify(stranger)).not.toContain('alice@example.com');
  });

  test('a partner token minted from an API key is refused as a bearer token at the gateway', async () => {
    const created = await system
      .client({ token: alice.accessToken })
      .ok<{ createApiKey: { secret: string } }>('mutation { createApiKey(name: "ci") { secret } }');
    const exchange = await post(
      system.users.url.replace(/\/graphql$/, '/internal/api-keys/token'),
      { key: created.createApiKey.secret },
      system.internalHeaders(),
    );
    const { accessToken } = (await exchange.json()) as { accessToken: string };
    const result = await system.client({ token: accessToken }).request('{ me { id } }');
    expect(result.status).toBe(401);
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
  });
});

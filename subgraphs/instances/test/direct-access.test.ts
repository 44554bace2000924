import { register, type Auth } from '../../../test-support/journeys.ts';
import { startSystem, type System } from '../../../test-support/system.ts';
import { Instance } from '../src/instance/instance.entity.ts';
import { KnowledgeBase } from '../src/knowledge-base/knowledge-base.entity.ts';

/** Calls the instances subgraph itself with the gateway's credential, as the gateway (or a caller holding its secret) would. */
async function direct(system: System, query: string, variables: Record<string, unknown>, token?: string) {
  const res = await fetch(system.instances.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...system.internalHeaders(), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
}

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Instance { id title } } }';

let system: System;
let alice: Auth;
let mallory: Auth;
let instanceId: string;
beforeAll(async () => {
  system = await startSystem();
  alice = await register(system, 'alice@example.com');
  mallory = await register(system, 'mallory@example.com');
  const em = system.instances.deps.orm.em.fork();
  const instance = em.create(Instance, { ownerId: alice.user.id, agentId: '00000000-0000-4000-8000-000000000001', title: 'Secret' });
  em.create(KnowledgeBase, { instance });
  await em.flush();
  instanceId = instance.id;
});
afterAll(() => system.stop());

describe('the instances subgraph checks callers itself, not only behind the gateway', () => {
  test('a forged token is refused with UNAUTHENTICATED', async () => {
    const forged = `${alice.accessToken.slice(0, -4)}AAAA`;
    const result = await direct(system, '{ instances { id } }', {}, forged);
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('entity references resolve only for the owner: the gateway cannot be used to read others', async () => {
    const r = [{ __typename: 'Instance', id: instanceId }];
    expect((await direct(system, ENTITIES, { r }, alice.accessToken)).data._entities).toEqual([{ id: instanceId, title: 'Secret' }]);
    expect((await direct(system, ENTITIES, { r }, mallory.accessToken)).data._entities).toEqual([null]);
    expect((await direct(system, ENTITIES, { r })).data._entities).toEqual([null]);
  });

  test("a user's instance list is empty to anyone but that user", async () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { instances { id } } } }';
    const r = [{ __typename: 'User', id: alice.user.id }];
    expect((await direct(system, query, { r }, alice.accessToken)).data._entities[0].instances).toEqual([{ id: instanceId }]);
    expect((await direct(system, query, { r }, mallory.accessToken)).data._entities[0].instances).toEqual([]);
  });
});

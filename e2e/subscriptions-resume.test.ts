import { withClient } from '../test-support/database.ts';
import { createAgentAsAdmin, register, type Auth } from '../test-support/journeys.ts';
import { type EventResult, SubscriptionProbe } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * Delivery a client can resume: every event subscription takes `after` (an event's `sequence`, or
 * `eventCursor`) and delivers everything since, in order, once, then the live stream.
 */
const EVENTS = `subscription($id: ID, $after: String) { instanceEvents(instanceId: $id, after: $after) { type sequence instance { title } } }`;
const ENTRY_EVENTS = `subscription($id: ID, $after: String) { knowledgeBaseEntryEvents(instanceId: $id, after: $after) { type sequence entry { title } } }`;
const CREATE = 'mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }';
const RETAINED = 50;

let system: System;
let ann: Auth;
let instanceId: string;
const probes: SubscriptionProbe[] = [];
const probe = (query: string, variables: Record<string, unknown>) => {
  const p = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(query, variables);
  probes.push(p);
  return p;
};
const rename = (title: string) =>
  withClient(system.instances.deps.config.DATABASE_URL, (c) => c.query('update instances.instance set title = $2, updated_at = now() where id = $1', [instanceId, title]));
const titles = (results: EventResult[]) => results.map((r) => r.data?.instanceEvents?.instance?.title as string);
const eventCursor = async () => (await system.client({ token: ann.accessToken }).ok<{ eventCursor: string }>('{ eventCursor }')).eventCursor;

beforeAll(async () => {
  system = await startSystem({ EVENT_RETENTION_MAX_EVENTS: String(RETAINED) }, { cdc: 'in-process' });
  const agentId = await createAgentAsAdmin(system, 'keeper', 'Keeper');
  ann = await register(system, 'ann@example.com');
  instanceId = (await system.client({ token: ann.accessToken }).ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'start' } })).createInstance.id;
}, 60_000);
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await system.stop();
});

describe('resuming an event subscription', () => {
  test('a change committed right after reading eventCursor reaches a subscription opened later with it', async () => {
    const cursor = await eventCursor();
    await rename('between cursor and subscribe');
    const p = probe(EVENTS, { id: instanceId, after: cursor });
    await p.until((r) => r.length >= 1);
    expect(titles(p.results)).toEqual(['between cursor and subscribe']);
  });

  test('a client away for N changes comes back with its last sequence and receives exactly those N, in order, then the live stream', async () => {
    const first = probe(EVENTS, { id: instanceId, after: await eventCursor() });
    await rename('seen before leaving');
    await first.until((r) => r.length === 1);
    const last = first.results[0]?.data?.instanceEvents.sequence as string;
    await first.close();

    const N = 25;
    for (let n = 0; n < N; n++) await rename(`missed ${n}`);
    const back = probe(EVENTS, { id: instanceId, after: last });
    await back.until((r) => r.length >= N, 15_000);
    await rename('live again');
    await back.until((r) => r.length >= N + 1);
    // Nothing more arrives: no duplicate of the replay through the live leg.
    await new Promise((r) => setTimeout(r, 300));
    expect(titles(back.results)).toEqual([...Array.from({ length: N }, (_v, n) => `missed ${n}`), 'live again']);
    const sequences = back.results.map((r) => r.data?.instanceEvents.sequence);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(back.results.filter((r) => r.errors)).toEqual([]);
  }, 60_000);

  test('knowledge-base entry events resume the same way', async () => {
    const cursor = await eventCursor();
    const client = system.client({ token: ann.accessToken });
    for (const title of ['one', 'two', 'three']) {
      await client.ok('mutation($id: ID!, $e: KnowledgeBaseEntryInput!) { addKnowledgeBaseEntry(instanceId: $id, input: $e) { id } }', {
        id: instanceId,
        e: { title, content: `about ${title}` },
      });
    }
    const p = probe(ENTRY_EVENTS, { id: instanceId, after: cursor });
    await p.until((r) => r.length >= 3);
    expect(p.results.map((r) => r.data?.knowledgeBaseEntryEvents.entry.title)).toEqual(['one', 'two', 'three']);
  });

  test('a cursor older than the retained history is CURSOR_EXPIRED, a made-up one BAD_USER_INPUT', async () => {
    const old = await eventCursor();
    for (let n = 0; n <= RETAINED; n++) await rename(`flood ${n}`);
    const expired = probe(EVENTS, { id: instanceId, after: old });
    await expired.until((r) => r.length > 0);
    expect(expired.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'CURSOR_EXPIRED' });
    expect(expired.results[0]?.errors?.[0]?.message).toMatch(/refetch/);

    const madeUp = probe(EVENTS, { id: instanceId, after: 'give me everything' });
    await madeUp.until((r) => r.length > 0);
    expect(madeUp.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  }, 60_000);
});

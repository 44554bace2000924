import { withClient } from '../test-support/database.ts';
import { createAgentAsAdmin, register, type Auth } from '../test-support/journeys.ts';
import { SubscriptionProbe, untilLive } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

const EVENTS = `subscription { instanceEvents { type instanceId changedFields sequence instance { title agent { name } } } }`;

let system: System;
let ann: Auth;
let agentId: string;
const probes: SubscriptionProbe[] = [];
beforeAll(async () => {
  // The real production path: Debezium's Postgres connector on Kafka Connect -> Apache Kafka -> bridge.
  system = await startSystem({}, { cdc: 'debezium' });
  agentId = await createAgentAsAdmin(system, 'herald', 'Herald');
  ann = await register(system, 'ann@example.com');
}, 90_000);
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await system.stop();
});

describe('Debezium -> Kafka -> bridge -> a graphql-ws subscriber', () => {
  test('a mutation, an update made in SQL and a delete all reach the subscriber, with the agent from the catalog', async () => {
    const client = system.client({ token: ann.accessToken });
    const probe = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(EVENTS);
    probes.push(probe);
    const { createInstance } = await client.ok<{ createInstance: { id: string } }>('mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }', {
      i: { agentId, title: 'Via Debezium' },
    });
    await untilLive(probe, () => client.ok('mutation($id: ID!, $t: String!) { updateInstance(id: $id, input: {title: $t}) { id } }', { id: createInstance.id, t: `poke ${Date.now()}` }), 45_000);
    const live = probe.results.find((r) => r.data)?.data?.instanceEvents;
    expect(live).toMatchObject({ instanceId: createInstance.id, instance: { agent: { name: 'Herald' } } });

    await withClient(system.instances.deps.config.DATABASE_URL, (c) =>
      c.query("update instances.instance set title = 'changed in SQL', updated_at = now() where id = $1", [createInstance.id]),
    );
    await probe.until((r) => r.some((e) => e.data?.instanceEvents.instance?.title === 'changed in SQL'));
    const updated = probe.results.find((e) => e.data?.instanceEvents.instance?.title === 'changed in SQL')!.data!.instanceEvents;
    expect(updated).toMatchObject({ type: 'UPDATED', changedFields: expect.arrayContaining(['title']) });

    await client.ok('mutation($id: ID!) { deleteInstance(id: $id) }', { id: createInstance.id });
    await probe.until((r) => r.some((e) => e.data?.instanceEvents.type === 'DELETED'));
    // Debezium's tombstone after the delete is not an event: exactly one DELETED arrives.
    await new Promise((r) => setTimeout(r, 500));
    expect(probe.results.filter((e) => e.data?.instanceEvents.type === 'DELETED')).toHaveLength(1);
    expect(probe.results.filter((e) => e.errors)).toEqual([]);
  }, 90_000);

  test('a client away for N changes comes back with its cursor and receives exactly those N, in order', async () => {
    const client = system.client({ token: ann.accessToken });
    const { createInstance } = await client.ok<{ createInstance: { id: string } }>('mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }', {
      i: { agentId, title: 'resumable' },
    });
    const id = createInstance.id;
    const RESUME = `subscription($id: ID, $after: String) { instanceEvents(instanceId: $id, after: $after) { sequence instance { title } } }`;
    const rename = (title: string) =>
      withClient(system.instances.deps.config.DATABASE_URL, (c) => c.query('update instances.instance set title = $2, updated_at = now() where id = $1', [id, title]));
    const { eventCursor } = await client.ok<{ eventCursor: string }>('{ eventCursor }');
    await rename('before leaving');
    const first = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(RESUME, { id, after: eventCursor });
    probes.push(first);
    await first.until((r) => r.some((e) => e.data?.instanceEvents.instance?.title === 'before leaving'), 30_000);
    const last = first.results.at(-1)?.data?.instanceEvents.sequence as string;
    await first.close();

    const N = 20;
    for (let n = 0; n < N; n++) await rename(`away ${n}`);
    const back = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(RESUME, { id, after: last });
    probes.push(back);
    await back.until((r) => r.length >= N, 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(back.results.map((r) => r.data?.instanceEvents.instance?.title)).toEqual(Array.from({ length: N }, (_v, n) => `away ${n}`));
  }, 90_000);
});

import { withClient } from '../test-support/database.ts';
import { createAgentAsAdmin, register, type Auth } from '../test-support/journeys.ts';
import { SubscriptionProbe, untilLive } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

const EVENTS = 'subscription { instanceEvents { type instanceId sequence instance { title agent { name } } } }';

let system: System;
let ann: Auth;
let agentId: string;
beforeAll(async () => {
  // One event may wait per subscriber: a burst of changes overflows it for sure.
  system = await startSystem({ WS_MAX_BUFFERED_EVENTS: '1' }, { cdc: 'in-process' });
  agentId = await createAgentAsAdmin(system);
  ann = await register(system, 'ann@example.com');
});
afterAll(() => system.stop());

describe('a subscriber that falls behind', () => {
  test('is told it missed events, after which sequence, and the subscription ends: never a silent drop', async () => {
    const client = system.client({ token: ann.accessToken });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      ids.push((await client.ok<{ createInstance: { id: string } }>('mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }', { i: { agentId, title: `n${i}` } })).createInstance.id);
    }
    const probe = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(EVENTS);
    await untilLive(probe, () => client.ok('mutation($id: ID!, $t: String!) { updateInstance(id: $id, input: {title: $t}) { id } }', { id: ids[0], t: `poke ${Date.now()}` }));
    await new Promise((r) => setTimeout(r, 300));
    const delivered = probe.results.filter((r) => r.data).length;
    // Ten changes in one transaction reach the gateway together, faster than each can be resolved.
    await withClient(system.instances.deps.config.DATABASE_URL, (c) =>
      c.query(`update instances.instance set title = title || '!', updated_at = now() where id = any($1)`, [ids]),
    );
    await probe.until(() => probe.completed, 10_000);
    const last = probe.results.at(-1);
    expect(last?.errors?.[0]?.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'bufferedEvents', max: 1 });
    const sequences = probe.results.filter((r) => r.data).map((r) => r.data?.instanceEvents.sequence);
    expect(last?.errors?.[0]?.extensions?.lastDeliveredSequence).toBe(sequences.at(-1));
    expect(probe.results.filter((r) => r.data).length).toBeLessThan(delivered + 10);
    await probe.close();

    // Coming back with lastDeliveredSequence delivers what overflowed, each change once. With a
    // buffer of one the replay may overflow again: each time, resume from where it stopped.
    const RESUME = 'subscription($after: String) { instanceEvents(after: $after) { sequence instanceId instance { title } } }';
    const renamed = (r: { data?: Record<string, any> | null }) => Boolean(r.data && String(r.data.instanceEvents.instance?.title).endsWith('!'));
    const seen: string[] = probe.results.filter(renamed).map((r) => r.data?.instanceEvents.instanceId);
    let after = last?.errors?.[0]?.extensions?.lastDeliveredSequence as string | undefined;
    for (let round = 0; round < 20 && after && seen.length < 10; round++) {
      const back = new SubscriptionProbe(system.gatewayUrl, { token: ann.accessToken }).subscribe(RESUME, { after });
      await back.until(() => back.completed || seen.length + back.results.filter(renamed).length >= 10, 10_000);
      seen.push(...back.results.filter(renamed).map((r) => r.data?.instanceEvents.instanceId));
      after = back.completed ? (back.results.at(-1)?.errors?.[0]?.extensions?.lastDeliveredSequence as string | undefined) : undefined;
      await back.close();
    }
    expect(seen.sort()).toEqual([...ids].sort());
  });
});

import { start as startCatalog } from '../subgraphs/catalog/src/app.ts';
import { start as startInstances } from '../subgraphs/instances/src/app.ts';
import { Agent } from '../subgraphs/catalog/src/agent/agent.entity.ts';
import { createLogger } from '../kernel/log.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { readCounter } from '../test-support/metrics.ts';
import { SubscriptionProbe, untilLive } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

const EVENTS = `subscription($id: ID) { instanceEvents(instanceId: $id) { type instance { title agent { name } } } }`;
const CREATE = 'mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }';
const RENAME = 'mutation($id: ID!, $t: String!) { updateInstance(id: $id, input: {title: $t}) { id } }';
const silent = createLogger({ service: 'test', level: 'silent' });

let system: System;
let user: Auth;
let instanceId: string;
beforeAll(async () => {
  system = await startSystem({}, { cdc: 'in-process' });
  user = await register(system, 'faults@example.com');
  const em = system.catalog.deps.orm.em.fork();
  const agent = em.create(Agent, { slug: 'sturdy', name: 'Sturdy', description: 'd', category: 'c' });
  await em.flush();
  instanceId = (
    await system.client({ token: user.accessToken }).ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId: agent.id, title: 'Faulty' } })
  ).createInstance.id;
});
afterAll(() => system.stop());

const rename = (t: string) => system.client({ token: user.accessToken }).ok(RENAME, { id: instanceId, t });
const live = async () => {
  const probe = new SubscriptionProbe(system.gatewayUrl, { token: user.accessToken }).subscribe(EVENTS, { id: instanceId });
  await untilLive(probe, () => rename(`poke ${Date.now()}`));
  probe.results.length = 0;
  return probe;
};

describe('subscriptions when things go wrong', () => {
  test('a client that leaves releases its upstream connection to the subgraph', async () => {
    const probe = await live();
    expect(await readCounter(system.instances.url, 'atrium_ws_connections')).toBe(1);
    await probe.close();
    const deadline = Date.now() + 5000;
    while ((await readCounter(system.instances.url, 'atrium_ws_connections')) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await readCounter(system.instances.url, 'atrium_ws_connections')).toBe(0);
    expect(await readCounter(system.gatewayUrl, 'atrium_ws_connections')).toBe(0);
  });

  test('an event whose cross-subgraph field fails carries errors, and the stream goes on', async () => {
    const probe = await live();
    const port = system.catalog.port;
    await system.catalog.stop();
    await rename('while the catalog is down');
    await probe.until((r) => r.length > 0);
    expect(probe.results[0]?.errors?.length).toBeGreaterThan(0);

    const catalog = await startCatalog({ ...system.catalog.deps.config, PORT: port }, silent);
    Object.assign(system, { catalog });
    await rename('catalog is back');
    await probe.until((r) => r.some((e) => e.data?.instanceEvents?.instance?.title === 'catalog is back'));
    const back = probe.results.find((e) => e.data?.instanceEvents?.instance?.title === 'catalog is back');
    expect(back?.errors).toBeUndefined();
    expect(back?.data?.instanceEvents.instance.agent.name).toBe('Sturdy');
    await probe.close();
  }, 30_000);

  test('when the owning subgraph restarts, the subscription ends with a clear error instead of hanging', async () => {
    const probe = await live();
    const port = system.instances.port;
    await system.instances.stop();
    await probe.until(() => probe.completed, 10_000);
    expect(probe.results.at(-1)?.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/instances subgraph .*subscribe again/),
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    const instances = await startInstances({ ...system.instances.deps.config, PORT: port }, silent);
    Object.assign(system, { instances });
    // Subscribing again works against the restarted subgraph.
    (await live()).close();
  }, 30_000);
});

describe('token expiry', () => {
  test('an expired access token ends the subscription with UNAUTHENTICATED', async () => {
    const short = await startSystem({ ACCESS_TOKEN_TTL: '2' });
    try {
      const who = await register(short, 'brief@example.com');
      const probe = new SubscriptionProbe(short.gatewayUrl, { token: who.accessToken }).subscribe(EVENTS);
      await probe.until(() => probe.completed, 8000);
      expect(probe.results.at(-1)?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      await probe.close();
    } finally {
      await short.stop();
    }
  }, 20_000);
});

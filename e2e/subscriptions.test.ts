import { withClient } from '../test-support/database.ts';
import { login, register, type Auth } from '../test-support/journeys.ts';
import { SubscriptionProbe, untilLive } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

const EVENTS = `subscription($id: ID) { instanceEvents(instanceId: $id) {
  type instanceId changedFields sequence occurredAt instance { id title status agent { name } owner { email } } } }`;
const CREATE = 'mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }';
const RENAME = 'mutation($id: ID!, $t: String!) { updateInstance(id: $id, input: {title: $t}) { id } }';

let system: System;
let ann: Auth;
let ben: Auth;
let agentId: string;
let probes: SubscriptionProbe[] = [];

beforeAll(async () => {
  system = await startSystem({}, { cdc: 'in-process' });
  await system.createUser('root@example.com', 'root password', { admin: true });
  const admin = (await login(system, 'root@example.com', 'root password')).data!.login;
  agentId = (
    await system.client({ token: admin.accessToken }).ok<{ createAgent: { id: string } }>(
      'mutation { createAgent(input: {slug: "scribe", name: "Scribe", description: "d", category: "writing"}) { id } }',
    )
  ).createAgent.id;
  ann = await register(system, 'ann@example.com');
  ben = await register(system, 'ben@example.com');
});
afterEach(async () => {
  await Promise.all(probes.map((p) => p.close()));
  probes = [];
});
afterAll(() => system.stop());

const probe = (token?: string) => {
  const p = new SubscriptionProbe(system.gatewayUrl, { token });
  probes.push(p);
  return p;
};

describe('instance events over graphql-ws through the gateway', () => {
  test('a mutation reaches the subscriber with a field from another subgraph (the agent name)', async () => {
    const client = system.client({ token: ann.accessToken });
    const watcher = probe(ann.accessToken).subscribe(EVENTS);
    const warmup = (await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Warm-up' } })).createInstance.id;
    await untilLive(watcher, () => client.ok(RENAME, { id: warmup, t: `poke ${Date.now()}` }));
    watcher.results.length = 0;

    const { createInstance } = await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Live one' } });
    const [created] = await watcher.until((r) => r.some((e) => e.data?.instanceEvents.instanceId === createInstance.id));
    expect(created?.errors).toBeUndefined();
    const event = watcher.results.find((e) => e.data?.instanceEvents.instanceId === createInstance.id)!.data!.instanceEvents;
    expect(event).toMatchObject({
      type: 'CREATED',
      changedFields: [],
      instance: { id: createInstance.id, title: 'Live one', status: 'PROVISIONING', agent: { name: 'Scribe' }, owner: { email: 'ann@example.com' } },
    });

    await client.ok(RENAME, { id: createInstance.id, t: 'Renamed live' });
    await watcher.until((r) => r.some((e) => e.data?.instanceEvents.type === 'UPDATED' && e.data.instanceEvents.instance?.title === 'Renamed live'));
    const updated = watcher.results.find((e) => e.data?.instanceEvents.instance?.title === 'Renamed live')!.data!.instanceEvents;
    expect(updated.changedFields).toEqual(expect.arrayContaining(['title', 'updatedAt']));

    await client.ok('mutation($id: ID!) { deleteInstance(id: $id) }', { id: createInstance.id });
    await watcher.until((r) => r.some((e) => e.data?.instanceEvents.type === 'DELETED'));
    const deleted = watcher.results.find((e) => e.data?.instanceEvents.type === 'DELETED')!.data!.instanceEvents;
    expect(deleted).toMatchObject({ instanceId: createInstance.id, instance: null });
  });

  test('a change made directly in SQL reaches the subscriber too', async () => {
    const client = system.client({ token: ann.accessToken });
    const { createInstance } = await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Before psql' } });
    const watcher = probe(ann.accessToken).subscribe(EVENTS, { id: createInstance.id });
    await untilLive(watcher, () => client.ok(RENAME, { id: createInstance.id, t: `poke ${Date.now()}` }));
    await withClient(system.instances.deps.config.DATABASE_URL, (c) =>
      c.query(`update instances.instance set status = 'PAUSED', updated_at = now() where id = $1`, [createInstance.id]),
    );
    await watcher.until((r) => r.some((e) => e.data?.instanceEvents.instance?.status === 'PAUSED'));
    const event = watcher.results.find((e) => e.data?.instanceEvents.instance?.status === 'PAUSED')!.data!.instanceEvents;
    expect(event.changedFields).toEqual(expect.arrayContaining(['status']));
    expect(event.instance.agent.name).toBe('Scribe');
  });

  test("another user's changes never reach a subscriber", async () => {
    const annClient = system.client({ token: ann.accessToken });
    const benClient = system.client({ token: ben.accessToken });
    const annWatcher = probe(ann.accessToken).subscribe(EVENTS);
    const annOwn = (await annClient.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Ann own' } })).createInstance.id;
    await untilLive(annWatcher, () => annClient.ok(RENAME, { id: annOwn, t: `poke ${Date.now()}` }));

    const bens = (await benClient.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Ben secret' } })).createInstance.id;
    await benClient.ok(RENAME, { id: bens, t: 'Ben secret 2' });
    // A later change of Ann's own marks the point by which Ben's events would have arrived.
    await annClient.ok(RENAME, { id: annOwn, t: 'marker' });
    await annWatcher.until((r) => r.some((e) => e.data?.instanceEvents.instance?.title === 'marker'));
    expect(annWatcher.results.some((e) => e.data?.instanceEvents.instanceId === bens)).toBe(false);
    expect(JSON.stringify(annWatcher.results)).not.toMatch(/Ben secret/);
  });

  test('knowledge base entries added and removed reach the owner with the entry', async () => {
    const client = system.client({ token: ann.accessToken });
    const id = (await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'With notes' } })).createInstance.id;
    const ADD = 'mutation($id: ID!, $t: String!) { addKnowledgeBaseEntry(instanceId: $id, input: {title: $t, content: "c"}) { id } }';
    const watcher = probe(ann.accessToken).subscribe(
      'subscription($id: ID) { knowledgeBaseEntryEvents(instanceId: $id) { type instanceId entryId entry { title } sequence } }',
      { id },
    );
    await untilLive(watcher, () => client.ok(ADD, { id, t: 'poke' }));
    const added = (await client.ok<{ addKnowledgeBaseEntry: { id: string } }>(ADD, { id, t: 'Live note' })).addKnowledgeBaseEntry.id;
    await client.ok('mutation($id: ID!) { deleteKnowledgeBaseEntry(id: $id) }', { id: added });
    await watcher.until((r) => r.some((e) => e.data?.knowledgeBaseEntryEvents.type === 'REMOVED' && e.data.knowledgeBaseEntryEvents.entryId === added));
    const events = watcher.results.map((e) => e.data?.knowledgeBaseEntryEvents).filter((e) => e?.entryId === added);
    expect(events).toEqual([
      expect.objectContaining({ type: 'ADDED', instanceId: id, entry: { title: 'Live note' } }),
      expect.objectContaining({ type: 'REMOVED', instanceId: id, entry: null }),
    ]);
    const benWatcher = probe(ben.accessToken).subscribe('subscription($id: ID) { knowledgeBaseEntryEvents(instanceId: $id) { entryId } }', { id });
    await client.ok(ADD, { id, t: 'Not for Ben' });
    await new Promise((r) => setTimeout(r, 500));
    expect(benWatcher.results).toEqual([]);
  });

  test('the operation limits of HTTP hold over the socket too', async () => {
    let selection = 'id';
    for (let i = 0; i < 7; i++) selection = `owner { instances { ${selection} } }`;
    const deep = probe(ann.accessToken).subscribe(`subscription { instanceEvents { instance { ${selection} } } }`);
    await deep.until((r) => r.length > 0);
    expect(deep.results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'depth' });
  });

  test('a socket authenticated by cookie from a foreign origin is refused', async () => {
    const { createClient } = await import('graphql-ws');
    const WebSocket = (await import('ws')).default;
    let closed: { code: number } | undefined;
    const client = createClient({
      url: system.gatewayUrl.replace(/^http/, 'ws'),
      retryAttempts: 0,
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols: string[]) {
          super(url, protocols, { headers: { cookie: `atrium_access=${ann.accessToken}`, origin: 'https://evil.example' } });
        }
      },
      on: { closed: (e) => (closed = e as { code: number }) },
    });
    await new Promise<void>((resolve) => {
      client.subscribe({ query: 'subscription { instanceEvents { type } }' }, { next() {}, error: () => resolve(), complete: () => resolve() });
    });
    expect(closed?.code).toBe(4403);
    await client.dispose();
  });

  test('a foreign origin gets no cookie at all over the socket, not even the refresh cookie', async () => {
    const { createClient } = await import('graphql-ws');
    const WebSocket = (await import('ws')).default;
    const victim = await register(system, 'victim-ws@example.com');
    const client = createClient({
      url: system.gatewayUrl.replace(/^http/, 'ws'),
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${ben.accessToken}` },
      webSocketImpl: class extends WebSocket {
        constructor(url: string, protocols: string[]) {
          super(url, protocols, { headers: { cookie: `atrium_refresh=${victim.refreshToken}`, origin: 'https://evil.example' } });
        }
      },
    });
    const result = await new Promise<any>((resolve) => {
      client.subscribe({ query: 'mutation { refreshSession { accessToken } }' }, { next: resolve, error: resolve, complete() {} });
    });
    await client.dispose();
    expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(result)).not.toContain('accessToken":"');
  });

  test('queries and mutations sent over the socket run as over HTTP, errors included', async () => {
    const q = probe(ann.accessToken).subscribe('{ me { email } agents { name } }');
    await q.until(() => q.completed);
    expect(q.results[0]?.data).toEqual({ me: { email: 'ann@example.com' }, agents: [{ name: 'Scribe' }] });
    const bad = probe(ann.accessToken).subscribe('mutation { updateMe(input: {phone: "nope"}) { phone } }');
    await bad.until(() => bad.completed);
    expect(bad.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('a signed-out session cannot open a socket', async () => {
    const gone = await register(system, 'gone@example.com');
    await system.client({ token: gone.accessToken }).ok('mutation { logout }');
    const p = probe(gone.accessToken).subscribe(EVENTS);
    await p.until(() => p.closedWith !== undefined || p.completed);
    expect(p.closedWith?.code).toBe(4401);
  });

  test('a subscription without a token answers UNAUTHENTICATED; a bad token is refused at connect', async () => {
    const anonymous = probe().subscribe(EVENTS);
    await anonymous.until((r) => r.length > 0);
    expect(anonymous.results[0]?.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const forged = probe('not.a.token').subscribe(EVENTS);
    await forged.until(() => forged.closedWith !== undefined || forged.completed);
    expect(forged.closedWith?.code).toBe(4401);
  });
});

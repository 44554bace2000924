import { Kafka, logLevel } from 'kafkajs';
import { withClient } from '../test-support/database.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { SubscriptionProbe } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';
import { Agent } from '../subgraphs/catalog/src/agent/agent.entity.ts';
import { start as startBridge } from '../cdc/bridge/app.ts';
import { loadBridgeConfig } from '../cdc/bridge/config.ts';
import { createLogger } from '../kernel/log.ts';

const EVENTS = `subscription($id: ID, $after: String) { instanceEvents(instanceId: $id, after: $after) { type sequence instance { title agent { name } } } }`;
const CREATE = 'mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }';

let system: System;
let owner: Auth;
let agentId: string;
beforeAll(async () => {
  system = await startSystem({}, { cdc: 'kafka' });
  owner = await register(system, 'kafka@example.com');
  const em = system.catalog.deps.orm.em.fork();
  const agent = em.create(Agent, { slug: 'courier', name: 'Courier', description: 'd', category: 'c' });
  await em.flush();
  agentId = agent.id;
}, 60_000);
afterAll(() => system.stop());

describe('the production path: relay -> Apache Kafka -> bridge consumer group -> Redis', () => {
  let probe: SubscriptionProbe;
  let instanceId: string;
  afterAll(() => probe.close());

  test('a committed change reaches a graphql-ws client through Kafka', async () => {
    const client = system.client({ token: owner.accessToken });
    instanceId = (await client.ok<{ createInstance: { id: string } }>(CREATE, { i: { agentId, title: 'Via Kafka' } })).createInstance.id;
    // From a cursor: the change is kept until the consumer group has joined (slow on a fresh broker), then delivered.
    const { eventCursor } = await client.ok<{ eventCursor: string }>('{ eventCursor }');
    probe = new SubscriptionProbe(system.gatewayUrl, { token: owner.accessToken }).subscribe(EVENTS, { id: instanceId, after: eventCursor });
    await client.ok('mutation($id: ID!) { updateInstance(id: $id, input: {status: ACTIVE}) { id } }', { id: instanceId });
    await probe.until((r) => r.length > 0, 50_000);
    expect(probe.results[0]?.data?.instanceEvents.instance.agent.name).toBe('Courier');
  }, 60_000);

  test('restarting the relay and the bridge in the middle of a stream of changes loses none of them', async () => {
    const N = 40;
    probe.results.length = 0;
    const update = (n: number) =>
      withClient(system.instances.deps.config.DATABASE_URL, (c) =>
        c.query('update instances.instance set title = $2, updated_at = now() where id = $1', [instanceId, `change ${n}`]),
      );
    // Changes keep being committed while the relay and the bridge stop and start again.
    let restarted: Promise<void> | undefined;
    for (let n = 0; n < N; n++) {
      if (n === N / 4) restarted = system.restartCdc();
      await update(n);
      await new Promise((r) => setTimeout(r, 20));
    }
    await restarted;

    const changes = () => probe.results.map((r) => r.data?.instanceEvents.instance?.title as string).filter((t) => t?.startsWith('change '));
    await probe.until(() => changes().length >= N, 60_000);
    // Whatever the restarts re-sent reaches the client once (recognised by its source position), and one row's changes keep their order.
    await new Promise((r) => setTimeout(r, 500));
    console.log(`restart mid-stream: ${N} changes, ${changes().length} delivered`);
    expect(changes()).toEqual(Array.from({ length: N }, (_v, n) => `change ${n}`));
    const sequences = probe.results.map((r) => r.data?.instanceEvents.sequence as string);
    expect(new Set(sequences).size).toBe(sequences.length);
    expect(probe.results.every((r) => !r.errors)).toBe(true);
  }, 90_000);

  test('a bridge that re-reads every record from the beginning delivers none of them twice', async () => {
    const topic = `${system.cdcTopicPrefix}.instances.instance`;
    const kafka = new Kafka({ clientId: 'test-rewind', brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await withClient(system.instances.deps.config.DATABASE_URL, (c) => c.query("update instances.instance set title = 'before the rewind' where id = $1", [instanceId]));
      await probe.until((r) => r.some((e) => e.data?.instanceEvents.instance?.title === 'before the rewind'), 30_000);
      const before = probe.results.length;
      // As after a lost offset commit or a rebalance: the group starts again from offset 0 of every partition.
      await system.restartCdc(() => admin.resetOffsets({ groupId: (system.cdcEnv as Record<string, string>).BRIDGE_GROUP_ID as string, topic, earliest: true }));
      await withClient(system.instances.deps.config.DATABASE_URL, (c) => c.query("update instances.instance set title = 'after the rewind' where id = $1", [instanceId]));
      await probe.until((r) => r.some((e) => e.data?.instanceEvents.instance?.title === 'after the rewind'), 30_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(probe.results.slice(before).map((r) => r.data?.instanceEvents.instance?.title)).toEqual(['after the rewind']);
    } finally {
      await admin.disconnect();
    }
  }, 90_000);

  test('an undecodable record goes to the dead-letter topic and the partition moves on', async () => {
    const env = system.instances.deps.config;
    const prefix = system.cdcTopicPrefix;
    const kafka = new Kafka({ clientId: 'test-poison', brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: `${prefix}.instances.instance`, messages: [{ key: '{"id":"x"}', value: 'this is not json' }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `dlq-reader-${prefix}` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${prefix}.dlq`, fromBeginning: true });
    const parked = await new Promise<{ value: string; reason: string }>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) =>
          resolve({ value: String(message.value), reason: String(message.headers?.['x-atrium-reason']) }),
      });
    });
    await consumer.disconnect();
    expect(parked).toEqual({ value: 'this is not json', reason: expect.stringMatching(/not JSON/) });

    probe.results.length = 0;
    await withClient(env.DATABASE_URL, (c) => c.query("update instances.instance set title = 'after poison' where id = $1", [instanceId]));
    await probe.until((r) => r.some((e) => e.data?.instanceEvents.instance?.title === 'after poison'), 30_000);
  }, 90_000);

  test('a second bridge joining the consumer group shares the partitions and loses nothing in the rebalance', async () => {
    const second = await startBridge(loadBridgeConfig({ ...system.cdcEnv, PORT: '0' }), createLogger({ service: 'bridge-2', level: 'silent' }));
    try {
      probe.results.length = 0;
      const N = 20;
      for (let n = 0; n < N; n++) {
        await withClient(system.instances.deps.config.DATABASE_URL, (c) =>
          c.query('update instances.instance set title = $2 where id = $1', [instanceId, `scaled ${n}`]),
        );
      }
      const scaled = () => probe.results.map((r) => r.data?.instanceEvents.instance?.title as string).filter((t) => t?.startsWith('scaled '));
      await probe.until(() => scaled().length >= N, 60_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(scaled()).toEqual(Array.from({ length: N }, (_v, n) => `scaled ${n}`));
      // Having delivered, the second copy is in the group: its /ready says so.
      const ready = await fetch(`http://127.0.0.1:${second.port}/ready`);
      expect({ status: ready.status, checks: ((await ready.json()) as { checks: unknown }).checks }).toEqual({ status: 200, checks: { changes: 'ok', kafka: 'ok' } });
    } finally {
      await second.stop();
    }
  }, 90_000);
});

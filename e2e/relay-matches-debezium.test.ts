import { mkdir, writeFile } from 'node:fs/promises';
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '../kernel/log.ts';
import { start as startRelay } from '../cdc/relay/app.ts';
import { loadRelayConfig } from '../cdc/relay/config.ts';
import { retryWhileRetriable } from '../cdc/kafka-retry.ts';
import { kafkaSink } from '../cdc/relay/kafka-sink.ts';
import { Relay } from '../cdc/relay/relay.ts';
import { registerDebezium } from '../dev/debezium.ts';
import { withClient } from '../test-support/database.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * The built-in relay stands in for Debezium (npm start), so both must write the same records for
 * the same changes: topic, key, partition, operation, rows and envelope fields. Both run here on
 * one database, Debezium on Kafka Connect and the relay beside it, each with its own topic prefix.
 */
interface Seen {
  key: string | null;
  partition: number;
  value: Record<string, any> | null;
}

let system: System;
let relay: Awaited<ReturnType<typeof startRelay>>;
const relayPrefix = () => `r${system.cdcTopicPrefix}`;
beforeAll(async () => {
  system = await startSystem({}, { cdc: 'debezium' });
  relay = await startRelay(
    loadRelayConfig({ ...system.cdcEnv, CDC_TOPIC_PREFIX: relayPrefix(), RELAY_SLOT: `cmp_${system.cdcTopicPrefix}`, RELAY_PUBLICATION: `cmp_${system.cdcTopicPrefix}` }),
    createLogger({ service: 'relay', level: 'silent' }),
  );
}, 90_000);
afterAll(async () => {
  await relay.stop();
  await system.stop();
});

async function read(topic: string, count: number): Promise<Seen[]> {
  const kafka = new Kafka({ clientId: 'compare', brokers: (process.env.KAFKA_BROKERS as string).split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  // The broker's defaults, as auto-creation on the first write would use (4 partitions).
  await retryWhileRetriable(() => admin.createTopics({ topics: [{ topic }], waitForLeaders: true }));
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `compare-${topic}` });
  await consumer.connect();
  await retryWhileRetriable(() => consumer.subscribe({ topic, fromBeginning: true }));
  const seen: Seen[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.length} of ${count} records on ${topic}`)), 30_000);
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ key: message.key?.toString() ?? null, partition, value: message.value?.length ? JSON.parse(message.value.toString()) : null });
        if (seen.length === count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  // Order within a partition is what Kafka keeps; across partitions, sort by the source position.
  return seen.sort((a, b) => (a.value?.source?.lsn ?? 0) - (b.value?.source?.lsn ?? 0) || (a.value ? 0 : 1) - (b.value ? 0 : 1));
}

/** The envelope fields both must write alike (the rest name the connector or are the time of processing). */
const SOURCE_FIELDS = ['connector', 'db', 'schema', 'table', 'txId', 'lsn', 'sequence', 'ts_ms', 'ts_us', 'snapshot', 'xmin', 'origin', 'origin_lsn'];

/**
 * `npm run cdc:fixtures`: Debezium's records of these changes become the fixtures in
 * cdc/test/fixtures/atrium, which cdc/test/atrium-fixtures.test.ts decodes (no Java needed there).
 */
async function keepAsFixtures(table: string, records: Seen[]) {
  if (process.env.REGENERATE_FIXTURES !== '1') return;
  const dir = new URL('../cdc/test/fixtures/atrium/', import.meta.url);
  await mkdir(dir, { recursive: true });
  const names = new Map<string, number>();
  for (const record of records) {
    const kind = record.value ? ({ c: 'create', u: 'update', d: 'delete' } as Record<string, string>)[record.value.op] ?? record.value.op : 'tombstone';
    const n = (names.get(kind) ?? 0) + 1;
    names.set(kind, n);
    const name = `${table}.${kind}${n > 1 ? `-${n}` : ''}`;
    await writeFile(new URL(`${name}.json`, dir), `${JSON.stringify(record.value, null, 2)}\n`);
    await writeFile(new URL(`${name}.key.json`, dir), `${record.key}\n`);
  }
}

function expectSameRecords(relayed: Seen[], debezium: Seen[]) {
  expect(relayed.map((r) => [r.key, r.partition, r.value?.op ?? 'tombstone'])).toEqual(debezium.map((r) => [r.key, r.partition, r.value?.op ?? 'tombstone']));
  for (const [i, d] of debezium.entries()) {
    const r = relayed[i] as Seen;
    if (!d.value) continue;
    expect(Object.keys(r.value as object).sort()).toEqual(Object.keys(d.value).sort());
    expect(r.value?.before).toEqual(d.value.before);
    expect(r.value?.after).toEqual(d.value.after);
    expect(Object.keys(r.value?.source).sort()).toEqual(Object.keys(d.value.source).sort());
    for (const field of SOURCE_FIELDS) expect([field, r.value?.source?.[field]]).toEqual([field, d.value.source[field]]);
    for (const field of ['ts_ns']) expect(String(r.value?.source[field])).toMatch(/^\d{19}$/);
    // When each wrote the record: only the form can match.
    expect([typeof r.value?.ts_ms, typeof r.value?.ts_us, String(r.value?.ts_ns)]).toEqual(['number', 'number', expect.stringMatching(/^\d{19}$/)]);
  }
}

describe('the relay and Debezium on the same changes', () => {
  test('write the same topics, keys, partitions, operations, rows and envelope fields', async () => {
    const id = '00000000-0000-4000-8000-00000000c0de';
    await withClient(system.instances.deps.config.DATABASE_URL, async (c) => {
      await c.query(`insert into instances.instance (id, owner_id, agent_id, title, status, user_config, pipeline_config, created_at, updated_at)
                     values ($1, $2, $2, 'first', 'PROVISIONING', '{"a": 1}', '{}', now(), now())`, [id, '00000000-0000-4000-8000-000000000001']);
      await c.query(`update instances.instance set title = 'second', status = 'ACTIVE', updated_at = now() where id = $1`, [id]);
      await c.query('delete from instances.instance where id = $1', [id]);
    });
    // insert, update, delete and the delete's tombstone
    const [debezium, relayed] = await Promise.all([read(`${system.cdcTopicPrefix}.instances.instance`, 4), read(`${relayPrefix()}.instances.instance`, 4)]);
    expectSameRecords(relayed, debezium);
    expect(JSON.parse(relayed[0]?.key as string)).toEqual({ id });
    await keepAsFixtures('instance', debezium);
  }, 90_000);

  test('agree on every column type, TOAST-sized text, nulls, arrays, a multi-row transaction and a delete', async () => {
    const db = system.instances.deps.config.DATABASE_URL;
    const name = `types_${system.cdcTopicPrefix}`;
    await withClient(db, (c) =>
      c.query(`create schema if not exists conformance;
        create table conformance.sample (
          id uuid primary key, label text not null, doc jsonb, at timestamptz, local_at timestamp, day date,
          amount numeric(12,4), free numeric, tags text[], counts int4[], flag boolean, big int8, ratio float8,
          raw bytea, small int2, note text, long text, at3 timestamptz(3), whole timestamptz)`),
    );
    const debeziumPrefix = `d${system.cdcTopicPrefix}`;
    const relayedPrefix = `r${debeziumPrefix}`;
    const connector = await registerDebezium({
      connectUrl: process.env.KAFKA_CONNECT_URL as string,
      databaseUrl: db,
      name,
      topicPrefix: debeziumPrefix,
      overrides: { 'table.include.list': 'conformance.sample' },
    });
    const logger = createLogger({ service: 'relay', level: 'silent' });
    const sink = await kafkaSink({ brokers: (process.env.KAFKA_BROKERS as string).split(','), clientId: 'conformance', logger });
    const typesRelay = new Relay({ databaseUrl: db, slot: `r${name}`, publication: `r${name}`, tables: ['conformance.sample'], topicPrefix: relayedPrefix, sink, logger });
    await typesRelay.start();
    try {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `00000000-0000-4000-8000-00000000000${x}`);
      // Over 2 kB and hard to compress: PostgreSQL keeps it out of line (TOAST).
      const long = Array.from({ length: 3000 }, (_v, i) => ((i * 7919) % 65_521).toString(36)).join('');
      await withClient(db, async (cl) => {
        await cl.query(
          `insert into conformance.sample values ($1, 'first', '{"b": [1, 2.5, "x"], "a": {"nested": true}}', '2026-12-04 10:11:12.123456+00',
             '2026-12-04 10:11:12.654321', '2026-12-04', 12345678.9012, 0.000123456789, '{"one","two, three",NULL}', '{1,2,3}',
             true, 9007199254740993, 1.5e-7, '\\xdeadbeef', 7, null, $2)`,
          [a, long],
        );
        await cl.query(`insert into conformance.sample (id, label) values ($1, 'nulls everywhere else')`, [b]);
        // A column of millisecond precision, and a whole second: how many fraction digits each gets.
        await cl.query(`update conformance.sample set at3 = '2026-12-04 10:11:12.5+00', whole = '2026-12-04 10:11:12+00' where id = $1`, [b]);
        // The TOASTed column is left as it was: what is written for it is the interesting part.
        await cl.query(`update conformance.sample set label = 'second', at = '1969-07-20 20:17:40.000001-04' where id = $1`, [a]);
        await cl.query(`update conformance.sample set doc = '[]', tags = '{}', amount = -0.0001, free = -12.5 where id = $1`, [a]);
        await cl.query('delete from conformance.sample where id = $1', [b]);
        await cl.query('begin');
        await cl.query(`insert into conformance.sample (id, label, at) values ($1, 'same transaction 1', now()), ($2, 'same transaction 2', now())`, [c, d]);
        await cl.query('commit');
      });
      // 2 inserts, 3 updates, a delete and its tombstone, 2 inserts
      const count = 9;
      const [debezium, relayed] = await Promise.all([read(`${debeziumPrefix}.conformance.sample`, count), read(`${relayedPrefix}.conformance.sample`, count)]);
      expectSameRecords(relayed, debezium);
      await keepAsFixtures('sample', debezium);
    } finally {
      await typesRelay.stop();
      await sink.close();
      await connector.remove();
    }
  }, 120_000);
});

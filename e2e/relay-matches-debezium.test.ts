import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '../kernel/log.ts';
import { start as startRelay } from '../cdc/relay/app.ts';
import { loadRelayConfig } from '../cdc/relay/config.ts';
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
  await admin.createTopics({ topics: [{ topic }], waitForLeaders: true });
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `compare-${topic}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
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

/** Debezium writes timestamps with microseconds; the relay's driver gives milliseconds (docs/change-events.md). */
const toMillis = (row: Record<string, unknown> | null) =>
  row && Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v) ? new Date(v).toISOString() : v]));

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
    expect(relayed.map((r) => [r.key, r.partition, r.value?.op ?? 'tombstone'])).toEqual(debezium.map((r) => [r.key, r.partition, r.value?.op ?? 'tombstone']));
    expect(JSON.parse(relayed[0]?.key as string)).toEqual({ id });
    for (const [i, d] of debezium.entries()) {
      const r = relayed[i] as Seen;
      if (!d.value) continue;
      expect(Object.keys(r.value as object).sort()).toEqual(Object.keys(d.value).sort());
      expect(toMillis(r.value?.before)).toEqual(toMillis(d.value.before));
      expect(toMillis(r.value?.after)).toEqual(toMillis(d.value.after));
      for (const field of ['connector', 'db', 'schema', 'table', 'txId', 'lsn', 'ts_ms', 'ts_us']) {
        expect([field, r.value?.source?.[field]]).toEqual([field, d.value.source[field]]);
      }
      expect(String(r.value?.source.ts_ns)).toMatch(/^\d{19}$/);
    }
  }, 90_000);
});

import { readFile } from 'node:fs/promises';
import { decodeDecimal, decodeRecord, type Decoded } from '../debezium.ts';
import { encodeDecimal, encodeValue } from '../encode.ts';
import { entryEvent, instanceEvent } from '../../subgraphs/instances/src/events/instance-events.ts';

const FIXTURES = new URL('./fixtures/debezium/', import.meta.url);
const fixture = (name: string) => readFile(new URL(name, FIXTURES), 'utf8');

async function decode(value: string | null, key?: string): Promise<Decoded> {
  return decodeRecord({ key: key ? await fixture(key) : null, value: value === null ? null : await fixture(value) });
}

const change = (d: Decoded) => {
  if (d.kind !== 'change') throw new Error(`expected a change, got ${JSON.stringify(d)}`);
  return d;
};

describe('decoding the published Debezium fixtures', () => {
  test('create.json: the schema envelope is unwrapped and the row decoded', async () => {
    const d = change(await decode('create.json', 'create.key.json'));
    expect(d.change.op).toBe('c');
    expect(d.change.before).toBeNull();
    expect(d.change.after).toEqual({ id: 1, first_name: 'Anne', last_name: 'Kretchmar', email: 'annek@noanswer.org' });
    expect(d.change.source).toMatchObject({ schema: 'public', table: 'customers', lsn: 24023128, txId: 555 });
    expect(d.key).toEqual({ id: '1' });
  });

  test('update.json: payload only, REPLICA IDENTITY DEFAULT before-image', async () => {
    const d = change(await decode('update.json', 'update.key.json'));
    expect(d.change.op).toBe('u');
    expect(d.change.before).toEqual({ id: 1 });
    expect(d.change.after?.first_name).toBe('Anne Marie');
  });

  test('update.toast-placeholder.json keeps the unavailable-value placeholder and a null before', async () => {
    const d = change(await decode('update.toast-placeholder.json'));
    expect(d.change.before).toBeNull();
    expect(JSON.stringify(d.change.after)).toContain('__debezium_unavailable_value');
  });

  test('delete.json then its tombstone (null value) with the same key', async () => {
    const del = change(await decode('delete.json', 'delete.key.json'));
    expect(del.change.op).toBe('d');
    expect(del.change.after).toBeNull();
    const tomb = await decode(null, 'tombstone.key.json');
    expect(tomb).toEqual({ kind: 'tombstone', key: del.key });
  });

  test('read, streaming create and create-with-transaction: string snapshot flags and quoted numbers', async () => {
    expect(change(await decode('read.json')).change.op).toBe('r');
    const streaming = change(await decode('create.streaming.json'));
    expect(streaming.change.source).toMatchObject({ snapshot: 'false', lsn: 34466480, txId: 767 });
    const withTx = change(await decode('create.with-transaction.json'));
    expect(typeof withTx.change.ts_ms).toBe('number');
  });

  test('truncate has a null key; logical-decoding messages decode as op m', async () => {
    const t = change(await decode('truncate.json', 'truncate.key.json'));
    expect(t.change.op).toBe('t');
    expect(t.key).toBeNull();
    for (const m of ['message.transactional.json', 'message.non-transactional.json', 'message.schemaless.json']) {
      expect(change(await decode(m)).change.op).toBe('m');
    }
  });

  test('records that are not change events are reported, never thrown', async () => {
    expect((await decode('transaction.begin.json')).kind).toBe('invalid');
    expect((await decode('outbox/routed.json')).kind).toBe('invalid');
    expect(decodeRecord({ key: null, value: '{not json' })).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/not JSON/) });
    // A key whose column cannot be decoded is dead-lettered too, instead of stalling its partition.
    const badKey = JSON.stringify({
      schema: { type: 'struct', fields: [{ type: 'int64', field: 'at', name: 'io.debezium.time.MicroTimestamp' }] },
      payload: { at: 'not a number' },
    });
    expect(decodeRecord({ key: badKey, value: null })).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/key column value/) });
  });
});

describe('column encodings', () => {
  test('Decimal bytes round-trip, including negatives and the sign byte', () => {
    // KIP-481's example bytes: 0x0F7279 = 1012345 unscaled (its value is 10.12345 at scale 5).
    expect(decodeDecimal('D3J5', 5)).toBe('10.12345');
    for (const [text, scale] of [['10.2345', 4], ['-1.50', 2], ['128', 0], ['-128', 0], ['0.00', 2], ['99999999999999.99', 2]] as const) {
      expect(decodeDecimal(encodeDecimal(text, scale), scale)).toBe(text);
    }
  });

  test('with a schema, semantic types decode: Json, MicroTimestamp, Date, Decimal', () => {
    const schema = {
      type: 'struct',
      fields: [
        { type: 'struct', field: 'before', optional: true },
        {
          type: 'struct',
          field: 'after',
          fields: [
            { type: 'string', field: 'doc', name: 'io.debezium.data.Json' },
            { type: 'int64', field: 'at', name: 'io.debezium.time.MicroTimestamp' },
            { type: 'int32', field: 'day', name: 'io.debezium.time.Date' },
            { type: 'bytes', field: 'price', name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '2' } },
          ],
        },
      ],
    };
    const payload = {
      op: 'c',
      ts_ms: 1,
      source: { ts_ms: 1, lsn: 5, txId: 6, schema: 's', table: 't' },
      after: { doc: '{"a":[1,2]}', at: 1529507596945104, day: 17702, price: encodeDecimal('12.34', 2) },
    };
    const d = change(decodeRecord({ key: null, value: JSON.stringify({ schema, payload }) }));
    expect(d.change.after).toEqual({ doc: { a: [1, 2] }, at: '2018-06-20T15:13:16.945Z', day: '2018-06-20', price: '12.34' });
  });

  test('the relay encodes values the way Debezium does', () => {
    // As PostgreSQL prints jsonb (and Debezium forwards): ', ' and ': ' separators.
    expect(encodeValue({ a: 1, b: [1, { c: null }] }, 3802)).toBe('{"a": 1, "b": [1, {"c": null}]}');
    expect(encodeValue(new Date('2026-01-02T03:04:05.678Z'), 1184)).toBe('2026-01-02T03:04:05.678Z');
    expect(encodeValue(['x', 'y'], 1009)).toEqual(['x', 'y']);
    expect(encodeValue('42', 20)).toBe(42);
    expect(encodeValue('10.12345', 1700, ((10 << 16) | 5) + 4)).toBe('D3J5');
    expect(encodeValue(Buffer.from('hi'), 17)).toBe('aGk=');
  });
});

describe('domain events from change events', () => {
  const source = { connector: 'postgresql', name: 'atrium', db: 'atrium', schema: 'instances', table: 'instance', ts_ms: 1700000000000, lsn: 99, txId: 7, snapshot: 'false' };
  const row = {
    id: 'i-1',
    owner_id: 'u-1',
    agent_id: 'a-1',
    title: 'T',
    status: 'ACTIVE',
    user_config: '{"tone":"dry"}',
    pipeline_config: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };

  test('an update with a full before-image names the changed fields; config JSON text is parsed', () => {
    const event = instanceEvent({ op: 'u', ts_ms: 1, source, before: row, after: { ...row, title: 'T2', updated_at: '2026-01-02T00:00:00.000Z' } });
    expect(event).toMatchObject({
      type: 'UPDATED',
      instanceId: 'i-1',
      ownerId: 'u-1',
      changedFields: ['title', 'updatedAt'],
      instance: { title: 'T2', userConfig: { tone: 'dry' } },
      position: { lsn: 99, txId: 7, sequence: 'instances.instance:99:7' },
    });
  });

  test('create, delete, snapshot reads and truncates map as they should', () => {
    expect(instanceEvent({ op: 'c', ts_ms: 1, source, before: null, after: row })?.type).toBe('CREATED');
    expect(instanceEvent({ op: 'd', ts_ms: 1, source, before: row, after: null })).toMatchObject({ type: 'DELETED', instance: null, ownerId: 'u-1' });
    expect(instanceEvent({ op: 'r', ts_ms: 1, source, after: row })).toBeNull();
    expect(instanceEvent({ op: 't', ts_ms: 1, source })).toBeNull();
    const entry = { id: 'e-1', knowledge_base_id: 'kb-1', title: 't', content: 'c', source_url: null, created_at: 1767225600000000 };
    expect(entryEvent({ op: 'c', ts_ms: 1, source, after: entry })).toMatchObject({
      type: 'ADDED',
      entry: { createdAt: '2026-01-01T00:00:00.000Z' },
    });
    expect(entryEvent({ op: 'd', ts_ms: 1, source, before: entry })).toMatchObject({ type: 'REMOVED', entry: null, knowledgeBaseId: 'kb-1' });
  });
});

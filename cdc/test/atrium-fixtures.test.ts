import { readFile } from 'node:fs/promises';
import { decodeRecord, type ChangePayload } from '../debezium.ts';
import { instanceEvent } from '../../subgraphs/instances/src/events/instance-events.ts';

/**
 * Debezium 3.6.1's own records of our tables, kept by `npm run cdc:fixtures` from a real run
 * (e2e/relay-matches-debezium.test.ts): what the bridge must decode in production, checked here
 * without Java.
 */
const text = (file: string) => readFile(new URL(`./fixtures/atrium/${file}`, import.meta.url), 'utf8').then((t) => t.trim());
/** A fixture as the Kafka record it was: a tombstone's value is absent, kept as the file `null`. */
const fixture = async (name: string) => {
  const value = await text(`${name}.json`);
  return { key: await text(`${name}.key.json`), value: value === 'null' ? null : value };
};

async function change(name: string): Promise<ChangePayload> {
  const decoded = decodeRecord(await fixture(name));
  if (decoded.kind !== 'change') throw new Error(`${name}: ${decoded.kind}`);
  expect(decoded.key).toEqual({ id: expect.any(String) });
  return decoded.change;
}

describe("Debezium's records of the instances table", () => {
  test('create, update and delete become CREATED, UPDATED with the changed fields, and DELETED', async () => {
    const created = instanceEvent(await change('instance.create'));
    expect(created).toMatchObject({ type: 'CREATED', instance: { title: 'first', status: 'PROVISIONING', userConfig: { a: 1 } } });
    const updated = instanceEvent(await change('instance.update'));
    expect(updated).toMatchObject({ type: 'UPDATED', instance: { title: 'second', status: 'ACTIVE' } });
    expect(updated?.changedFields.sort()).toEqual(['status', 'title', 'updatedAt']);
    // Microseconds from the database survive into the event's timestamps' source text.
    expect((await change('instance.update')).after?.updated_at).toMatch(/\.\d{6}Z$/);
    const deleted = instanceEvent(await change('instance.delete'));
    expect(deleted).toMatchObject({ type: 'DELETED', instance: null, instanceId: created?.instanceId });
  });

  test('the tombstone after a delete decodes as a tombstone, not an event', async () => {
    expect(decodeRecord(await fixture('instance.tombstone'))).toMatchObject({ kind: 'tombstone', key: { id: expect.any(String) } });
  });
});

describe("Debezium's records of every column type", () => {
  test('numbers, decimals, arrays, json, bytes, dates and TOAST-sized text decode to their values', async () => {
    const row = (await change('sample.create')).after as Record<string, unknown>;
    expect(row).toMatchObject({
      label: 'first',
      at: '2026-12-04T10:11:12.123456Z',
      local_at: 1796379072654321,
      day: 20791,
      tags: ['one', 'two, three', null],
      counts: [1, 2, 3],
      flag: true,
      ratio: 1.5e-7,
      raw: '3q2+7w==',
      small: 7,
      note: null,
    });
    expect(JSON.parse(row.doc as string)).toEqual({ a: { nested: true }, b: [1, 2.5, 'x'] });
    expect(String(row.long).length).toBeGreaterThan(2000);
    const nulls = (await change('sample.create-2')).after as Record<string, unknown>;
    expect(Object.entries(nulls).filter(([k]) => k !== 'id' && k !== 'label').every(([, v]) => v === null)).toBe(true);
  });

  test('timestamptz keeps as many fraction digits as the column has, zeros included', async () => {
    expect((await change('sample.update')).after).toMatchObject({ at3: '2026-12-04T10:11:12.500Z', whole: '2026-12-04T10:11:12.000000Z' });
  });

  test('an update that leaves TOAST-sized text alone still carries it (REPLICA IDENTITY FULL)', async () => {
    const update = await change('sample.update-2');
    expect(update.after?.long).toBe(update.before?.long);
    expect(update.after?.at).toBe('1969-07-21T00:17:40.000001Z');
  });
});

import { readFile } from 'node:fs/promises';
import { withClient } from '../../test-support/database.ts';
import { startSystem, type System } from '../../test-support/system.ts';
import { CAPTURED_TABLES } from '../../subgraphs/captured-tables.ts';
import type { ChangePayload } from '../contract.ts';

/**
 * The contract each subgraph signs by declaring a captured table (`src/events/capture.ts`): the
 * table exists with a primary key (the Kafka key) and REPLICA IDENTITY FULL from its own migrations
 * (Debezium, unlike the relay, does not set it), its channel is its own subgraph's, the connector captures
 * exactly these, and the mapping makes no event of what is not a change.
 */
let system: System;
beforeAll(async () => {
  system = await startSystem();
}, 60_000);
afterAll(() => system.stop());

describe('every captured table', () => {
  test('has a primary key and REPLICA IDENTITY FULL after its subgraph migrations', async () => {
    const rows = await withClient(system.instances.deps.config.DATABASE_URL, async (c) =>
      (
        await c.query<{ tbl: string; identity: string; pk: boolean }>(
          `select n.nspname || '.' || c.relname as tbl, c.relreplident as identity,
                  exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary) as pk
             from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname || '.' || c.relname = any($1)`,
          [CAPTURED_TABLES.map((t) => `${t.schema}.${t.table}`)],
        )
      ).rows,
    );
    expect(rows.map((r) => [r.tbl, r.identity, r.pk]).sort()).toEqual(CAPTURED_TABLES.map((t) => [`${t.schema}.${t.table}`, 'f', true]).sort());
  });

  test('is declared once, on a channel of its own subgraph', () => {
    expect(new Set(CAPTURED_TABLES.map((t) => `${t.schema}.${t.table}`)).size).toBe(CAPTURED_TABLES.length);
    // Channels are named after the subgraph that owns them, and no two subgraphs share one.
    for (const t of CAPTURED_TABLES) expect([t.table, t.channel.split('.')[0]]).toEqual([t.table, t.schema]);
  });

  test('is what the deployed Debezium connector captures', async () => {
    const { config } = JSON.parse(await readFile('deploy/debezium/atrium-postgres.json', 'utf8')) as { config: Record<string, string> };
    expect(config['table.include.list']?.split(',').sort()).toEqual(CAPTURED_TABLES.map((t) => `${t.schema}.${t.table}`).sort());
  });

  test('makes no event of a snapshot read, a truncate or a message', () => {
    const source = { connector: 'postgresql', name: 'atrium', db: 'atrium', schema: 's', table: 't', ts_ms: 0, lsn: 1, txId: 1, snapshot: 'false' };
    for (const table of CAPTURED_TABLES) {
      for (const op of ['r', 't', 'm'] as const) {
        const change: ChangePayload = { op, source, ts_ms: 0, before: null, after: op === 'r' ? { id: 'x' } : null };
        expect([table.table, op, table.toEvent(change)]).toEqual([table.table, op, null]);
      }
    }
  });
});

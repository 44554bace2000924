import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * A database of its own for one test file, so files run in parallel and every test starts from
 * empty schemas; dropped afterwards.
 */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) throw new Error('DATABASE_URL is not set; run the tests through `npm test`');
  const name = `atrium_test_${randomBytes(6).toString('hex')}`;
  await withClient(adminUrl, (c) => c.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    // Logical replication slots pin a database; they go first.
    drop: () =>
      withClient(adminUrl, async (c) => {
        await c.query('select pg_terminate_backend(active_pid) from pg_replication_slots where database = $1 and active', [name]);
        await c.query('select pg_drop_replication_slot(slot_name) from pg_replication_slots where database = $1', [name]);
        await c.query(`drop database if exists ${name} with (force)`);
      }).then(() => {}),
  };
}

/** Runs one query batch on a short-lived connection (counting queries, cleaning up). */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

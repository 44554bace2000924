import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase } from '../../test-support/database.ts';
import { registerMigration } from '../create-migration.ts';

const run = promisify(execFile);

/** Runs `npm run cli -- …` as an operator would: a separate process, exit code and output. */
async function cli(databaseUrl: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['cli/main.ts', ...args], {
      env: { ...process.env, DATABASE_URL: databaseUrl, BCRYPT_COST: '4', NODE_OPTIONS: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the operator CLI', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  test('migrations: status shows pending, up applies every subgraph, down reverts one', async () => {
    expect((await cli(db.url, 'migrate:status')).stdout).toMatch(/users: 0 executed, [1-9]\d* pending/);
    const up = await cli(db.url, 'migrate:up');
    expect(up.stdout).toMatch(/users: applied Migration/);
    expect(up.stdout).toMatch(/instances: applied Migration/);
    expect(up.stdout).toMatch(/conversations: applied Migration/);
    expect((await cli(db.url, 'migrate:up')).stdout).toMatch(/catalog: up to date/);
    expect((await cli(db.url, 'migrate:down', '--service', 'instances')).stdout).toMatch(/instances: reverted/);
    const status = (await cli(db.url, 'migrate:status', '--service', 'instances')).stdout;
    expect(status).toMatch(/instances: \d+ executed, 1 pending/);
    // The one reverted is the newest of the subgraph's list.
    const { migrations } = await import('../../subgraphs/instances/migrations/index.ts');
    expect(status).toMatch(new RegExp(`pending +${migrations.at(-1)?.name}`));
    expect((await cli(db.url, 'migrate:up', '--service', 'instances')).code).toBe(0);
  }, 60_000);

  test('accounts: create an admin, list, grant; bad input exits 1 with the reason', async () => {
    const created = await cli(db.url, 'user:create', '--email', 'Ops@Example.com', '--password', 'ops password', '--admin');
    expect(created.stdout).toMatch(/created ops@example.com .* roles=user,admin/);
    await cli(db.url, 'user:create', '--email', 'dev@example.com', '--password', 'dev password');
    expect((await cli(db.url, 'role:grant', '--email', 'dev@example.com', '--role', 'admin')).stdout).toMatch(/roles=user,admin/);
    expect((await cli(db.url, 'user:list', '--search', 'example.com')).stdout.trim().split('\n')).toHaveLength(2);

    const bad = await cli(db.url, 'user:create', '--email', 'nope', '--password', 'short');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/input.email: must be a valid email address/);
    const again = await cli(db.url, 'user:create', '--email', 'ops@example.com', '--password', 'ops password');
    expect(again.stderr).toMatch(/already exists/);
    expect((await cli(db.url, 'role:grant', '--email', 'dev@example.com', '--role', 'root')).code).toBe(1);
    expect((await cli(db.url, 'frobnicate')).stderr).toMatch(/unknown command "frobnicate"/);
  }, 60_000);

  test('a new migration is appended to the list the ORM runs', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'atrium-migrations-'));
    await writeFile(join(folder, 'index.ts'), '/** Migrations. */\nexport const migrations = [];\n');
    await registerMigration(folder, 'Migration1_first.ts');
    await registerMigration(folder, 'Migration2_second.ts');
    const index = await readFile(join(folder, 'index.ts'), 'utf8');
    expect(index).toMatch(/import \{ Migration1_first \} from '.\/Migration1_first.ts';/);
    expect(index).toMatch(
      /export const migrations = \[\{ name: 'Migration1_first', class: Migration1_first \}, \{ name: 'Migration2_second', class: Migration2_second \}\];/,
    );
  });
});

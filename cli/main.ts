import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AppError } from '../kernel/errors.ts';
import { type MikroORM, openOrm, type SubgraphOrmSpec } from '../kernel/db.ts';
import { loadSubgraphs, SUBGRAPHS } from '../subgraphs/list.ts';
import { createUser, grantRoleByEmail, listUsers } from '../subgraphs/users/src/user/user.commands.ts';
import { createMigration } from './create-migration.ts';

/** Each subgraph's persistence, by the name used everywhere else, from the registry. */
const ORMS: Record<string, SubgraphOrmSpec> = Object.fromEntries(
  await Promise.all((await loadSubgraphs()).map(async ({ name, module }) => [name, await module.loadOrm()] as const)),
);
const usersOrm = ORMS.users as SubgraphOrmSpec;

const USAGE = `Usage: npm run cli -- <command> [options]

  user:create --email E --password P [--name N] [--admin]   create an account (admin with --admin)
  user:list [--search S] [--limit N]                         list accounts, newest first
  role:grant --email E --role user|admin                     grant a role
  migrate:up [--service S|all]                               apply pending migrations (default: all)
  migrate:down --service S                                   revert the last migration of one subgraph
  migrate:status [--service S]                               executed and pending migrations
  migrate:create --service S [--name N]                      write a migration from entity changes

S is a subgraph: ${SUBGRAPHS.map((s) => s.name).join(', ')}.
DATABASE_URL names the database; in development it defaults to the one \`npm start\` embeds.`;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    email: { type: 'string' },
    password: { type: 'string' },
    name: { type: 'string' },
    admin: { type: 'boolean', default: false },
    search: { type: 'string' },
    limit: { type: 'string', default: '50' },
    role: { type: 'string' },
    service: { type: 'string', default: 'all' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function databaseUrl(): string {
  if (process.env.DATABASE_URL) return process.env.DATABASE_URL;
  if (process.env.NODE_ENV !== 'production' && existsSync('.data/postgres')) {
    return `postgres://postgres:postgres@127.0.0.1:${process.env.EMBEDDED_POSTGRES_PORT ?? 5433}/atrium`;
  }
  fail('DATABASE_URL is not set');
}

function fail(message: string): never {
  console.error(`error: ${message}`);
  process.exit(1);
}

function services(name: string | undefined): [string, SubgraphOrmSpec][] {
  if (!name || name === 'all') return Object.entries(ORMS);
  const spec = ORMS[name];
  if (!spec) fail(`unknown service "${name}"; one of: ${Object.keys(ORMS).join(', ')}, all`);
  return [[name, spec]];
}

async function withOrm<T>(spec: SubgraphOrmSpec, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const orm = await openOrm(spec, databaseUrl());
  try {
    return await fn(orm);
  } finally {
    await orm.close();
  }
}

const bcryptCost = Number(process.env.BCRYPT_COST ?? 12);

const commands: Record<string, () => Promise<void>> = {
  async 'user:create'() {
    if (!values.email || !values.password) fail('user:create needs --email and --password');
    const user = await withOrm(usersOrm, (orm) =>
      createUser(orm.em.fork(), { email: values.email!, password: values.password!, name: values.name, admin: values.admin, bcryptCost }),
    );
    console.log(`created ${user.email} (${user.id}) roles=${user.roles.join(',')}`);
  },
  async 'user:list'() {
    const users = await withOrm(usersOrm, (orm) => listUsers(orm.em.fork(), { search: values.search, limit: Number(values.limit) }));
    for (const u of users) {
      console.log([u.id, u.email, u.roles.join(','), u.disabledAt ? 'disabled' : 'active', u.createdAt.toISOString()].join('\t'));
    }
  },
  async 'role:grant'() {
    if (!values.email || !values.role) fail('role:grant needs --email and --role');
    const user = await withOrm(usersOrm, (orm) => grantRoleByEmail(orm.em.fork(), values.email!, values.role!));
    console.log(`${user.email} roles=${user.roles.join(',')}`);
  },
  async 'migrate:up'() {
    for (const [name, spec] of services(values.service)) {
      const applied = await withOrm(spec, (orm) => orm.migrator.up());
      console.log(`${name}: ${applied.length ? `applied ${applied.map((m) => m.name).join(', ')}` : 'up to date'}`);
    }
  },
  async 'migrate:down'() {
    if (values.service === 'all') fail('migrate:down needs --service (one subgraph at a time)');
    for (const [name, spec] of services(values.service)) {
      const reverted = await withOrm(spec, (orm) => orm.migrator.down());
      console.log(`${name}: ${reverted.length ? `reverted ${reverted.map((m) => m.name).join(', ')}` : 'nothing to revert'}`);
    }
  },
  async 'migrate:status'() {
    for (const [name, spec] of services(values.service)) {
      await withOrm(spec, async (orm) => {
        const executed = await orm.migrator.getExecuted();
        const pending = await orm.migrator.getPending();
        console.log(`${name}: ${executed.length} executed, ${pending.length} pending`);
        for (const m of executed) console.log(`  done     ${m.name}`);
        for (const m of pending) console.log(`  pending  ${m.name}`);
      });
    }
  },
  async 'migrate:create'() {
    if (values.service === 'all') fail('migrate:create needs --service');
    for (const [name, spec] of services(values.service)) {
      const file = await createMigration(spec, databaseUrl(), values.name);
      console.log(file ? `${name}: wrote ${file}` : `${name}: entities match the migrations; nothing to write`);
    }
  },
};

const command = positionals[0];
if (values.help || !command) {
  console.log(USAGE);
  process.exit(command || values.help ? 0 : 1);
}
const run = commands[command];
if (!run) fail(`unknown command "${command}"\n\n${USAGE}`);
try {
  await run();
} catch (err) {
  if (err instanceof AppError) fail(`${err.message}`);
  fail(err instanceof Error ? err.message : String(err));
}

import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import pg from 'pg';
import { openOrm, type SubgraphOrmSpec } from '../kernel/db.ts';

async function admin(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Writes a migration for one subgraph's entity changes. The diff runs in a scratch database that
 * holds only that subgraph's migrated schema, because MikroORM diffs every schema it can see and
 * would otherwise write drops of its siblings' schemas into the migration.
 */
export async function createMigration(spec: SubgraphOrmSpec, databaseUrl: string, name?: string): Promise<string | undefined> {
  const scratch = `atrium_migration_${randomBytes(4).toString('hex')}`;
  await admin(databaseUrl, `create database ${scratch}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${scratch}`;
  try {
    const orm = await openOrm(spec, url.toString());
    try {
      await orm.migrator.up();
      const result = await orm.migrator.create(spec.migrationsPath, false, false, name);
      if (!result.fileName) return undefined;
      await keepSchemaOnDown(join(spec.migrationsPath, result.fileName));
      await registerMigration(spec.migrationsPath, result.fileName);
      return join(spec.migrationsPath, result.fileName);
    } finally {
      await orm.close();
    }
  } finally {
    await admin(databaseUrl, `drop database if exists ${scratch} with (force)`);
  }
}

/** The migrations table lives in the subgraph's schema, so reverting a migration must not drop it. */
async function keepSchemaOnDown(path: string): Promise<void> {
  const source = await readFile(path, 'utf8');
  await writeFile(path, source.replace(/^.*drop schema if exists.*\n/gm, ''));
}

/** Appends the new class to the subgraph's migrations/index.ts, which is the list the ORM runs. */
export async function registerMigration(folder: string, fileName: string): Promise<void> {
  const indexPath = join(folder, 'index.ts');
  const className = basename(fileName, '.ts');
  const index = await readFile(indexPath, 'utf8');
  const entry = `{ name: '${className}', class: ${className} }`;
  const withEntry = index.replace(/\[([\s\S]*?)\];\s*$/, (_all, items: string) =>
    items.trim() ? `[${items.trimEnd().replace(/,$/, '')}, ${entry}];\n` : `[${entry}];\n`,
  );
  await writeFile(indexPath, `import { ${className} } from './${className}.ts';\n${withEntry}`);
}

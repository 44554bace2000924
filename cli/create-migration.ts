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
      await registerMigration(spec.migrationsPath, result.fileName);
      return join(spec.migrationsPath, result.fileName);
    } finally {
      await orm.close();
    }
  } finally {
    await admin(databaseUrl, `drop database if exists ${scratch} with (force)`);
  }
}

/** Appends the new class to the subgraph's migrations/index.ts, which is the list the ORM runs. */
async function registerMigration(folder: string, fileName: string): Promise<void> {
  const indexPath = join(folder, 'index.ts');
  const className = basename(fileName, '.ts');
  const index = await readFile(indexPath, 'utf8');
  const withImport = index.replace(/(\n\/\*\*)/, `import { ${className} } from './${className}.ts';\n$1`);
  const withEntry = withImport.replace(/\];\s*$/, `, { name: '${className}', class: ${className} }];\n`);
  await writeFile(indexPath, withEntry);
}

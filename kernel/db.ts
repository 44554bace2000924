import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { NotReady } from './http.ts';
import type { Logger } from './log.ts';
import type { ServiceMetrics } from './metrics.ts';
import { traceMarks, tracedQueryLogger } from './tracing-sql.ts';

export { MikroORM };

/** What a subgraph tells the kernel about its persistence: its schema, entities and migrations. */
export interface SubgraphOrmSpec {
  /** Postgres schema the subgraph owns; also its name in composition and logs. */
  schema: string;
  entities: NonNullable<Options['entities']>;
  /** Migration classes in the order they apply; the subgraph's `migrations/index.ts`. */
  migrations: { name: string; class: new (...args: never[]) => Migration }[];
  /** Folder new migrations are written to by `npm run cli -- migrate:create`. */
  migrationsPath: string;
}

/**
 * MikroORM options for one subgraph: its own Postgres schema (so `schema.update()` and
 * migrations never touch a sibling's tables) and an explicit migration list (no file globbing,
 * so the same list runs under node, jest and a container).
 */
export function ormOptions(spec: SubgraphOrmSpec, databaseUrl: string, logger?: Logger, metrics?: ServiceMetrics): Options {
  const log = logger?.child({ component: 'orm' });
  return {
    clientUrl: databaseUrl,
    schema: spec.schema,
    entities: spec.entities,
    extensions: [Migrator],
    discovery: { warnWhenNoEntities: false },
    debug: false,
    logger: (message) => log?.debug(message),
    // Tracing (off unless configured): a span per statement, and the trace context in the WAL.
    loggerFactory: tracedQueryLogger(spec.schema),
    subscribers: [traceMarks()],
    onQuery: (sql) => {
      // Probes (readiness, the gateway's health checks) are not work done for a request.
      if (!sql.endsWith(PROBE)) metrics?.dbQueries.inc();
      return sql;
    },
    migrations: {
      tableName: 'mikro_orm_migrations',
      schema: spec.schema,
      path: spec.migrationsPath,
      migrationsList: spec.migrations as never,
      snapshot: false,
      emit: 'ts',
      silent: true,
    },
  };
}

/** Opens the ORM and makes sure the subgraph's schema exists (migrations create its tables). */
export async function openOrm(
  spec: SubgraphOrmSpec,
  databaseUrl: string,
  logger?: Logger,
  metrics?: ServiceMetrics,
): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(spec, databaseUrl, logger, metrics));
  await orm.em.getConnection().execute(`create schema if not exists "${spec.schema}"`);
  return orm;
}

/** Applies pending migrations and returns their names. */
export async function migrateUp(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((m) => m.name);
}

/**
 * A subgraph's start-up on its database: open the ORM on its schema and, outside production (or
 * with MIGRATE_ON_START), apply pending migrations, logging which.
 */
export async function openSubgraphDatabase(
  spec: SubgraphOrmSpec,
  config: { DATABASE_URL: string; migrateOnStart: boolean },
  logger: Logger,
  metrics: ServiceMetrics,
): Promise<MikroORM> {
  const orm = await openOrm(spec, config.DATABASE_URL, logger, metrics);
  if (config.migrateOnStart) {
    const applied = await migrateUp(orm);
    if (applied.length) logger.info({ applied }, 'migrations applied');
  }
  return orm;
}

/** Marks probe statements, which are not counted as request work. */
const PROBE = '/* probe */';

/**
 * The readiness check of a subgraph's database: it answers, and it is the expected one, with every
 * migration of this build applied. A mistyped DATABASE_URL (an empty database) or a deploy whose
 * migrations did not run fails with the reason instead of failing every request later.
 */
export const databaseReady = (orm: MikroORM, spec: SubgraphOrmSpec) => async () => {
  const connection = orm.em.getConnection();
  const table = await connection.execute(`select to_regclass('"${spec.schema}".mikro_orm_migrations') as t ${PROBE}`);
  if (!table[0]?.t) {
    throw new NotReady(`schema ${spec.schema} has no migrations: wrong database, or run \`npm run cli -- migrate:up\``);
  }
  const rows: { name: string }[] = await connection.execute(`select name from "${spec.schema}".mikro_orm_migrations ${PROBE}`);
  const applied = new Set(rows.map((r) => r.name.replace(/\.[jt]s$/, '')));
  const missing = spec.migrations.filter((m) => !applied.has(m.name.replace(/\.[jt]s$/, '')));
  if (missing.length) throw new NotReady(`${missing.length} migration(s) of schema ${spec.schema} not applied: ${missing.map((m) => m.name).join(', ')}`);
};

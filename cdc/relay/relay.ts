import { LogicalReplicationService, type Pgoutput, PgoutputPlugin } from 'pg-logical-replication';
import pg from 'pg';
import { changeTopic, type ChangeRecord, type Op, type Row } from '../debezium.ts';
import { encodeRow, textParserFor } from '../encode.ts';
import type { Logger } from '../../kernel/log.ts';
import { contextFrom, injectTraceContext, inSpan, linkTo, tracingActive } from '../../kernel/tracing.ts';
import { TRACE_MESSAGE_PREFIX } from '../../kernel/tracing-sql.ts';
import { SpanKind } from '@opentelemetry/api';
import type { ChangeSink } from './sink.ts';

export interface RelayOptions {
  databaseUrl: string;
  /** Replication slot; the server keeps WAL from its confirmed position, so a restart resumes there. */
  slot: string;
  publication: string;
  /** `schema.table` of every captured table. */
  tables: string[];
  topicPrefix: string;
  sink: ChangeSink;
  logger: Logger;
  /**
   * Continue traces (kernel/tracing.ts): read the `traceparent` subgraphs write into a transaction's
   * WAL (logical-decoding messages, PostgreSQL 14+) and send each transaction's records in a span.
   */
  traced?: boolean;
}

interface Relation {
  schema: string;
  name: string;
  keyColumns: string[];
  columns: { name: string; typeOid: number; typeMod: number }[];
}

/** The transaction being read, between its begin and commit. */
interface OpenTransaction {
  xid: number;
  /** Commit time, microseconds since the epoch (pgoutput's precision; Debezium's `ts_us`). */
  commitUs: bigint;
  records: ChangeRecord[];
  lastLsn: string;
  /** When its begin arrived, ms since the epoch: the start of its span. */
  startedAt: number;
  /** What the transaction's writers wrote with TRACE_MESSAGE_PREFIX (kernel/tracing-sql.ts). */
  traceparents: string[];
}

/** Nanoseconds since the epoch exceed a double's exact range: written as a marked string, then unquoted in the JSON. */
const exactLong = (n: bigint) => `\u0000long:${n}`;
const LONG = /"\\u0000long:(\d+)"/g;

/** "16/B374D848" -> 97500059720: Debezium's `lsn` is the WAL position as a number. */
export function lsnToNumber(lsn: string): number {
  const [hi = '0', lo = '0'] = lsn.split('/');
  return Number((BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`));
}

type ColumnReader = { readRelationColumn(reader: unknown): { typeOid: number; parser: (text: string) => unknown } };

/**
 * Makes the plugin read date/time columns as text (encode.ts turns them into Debezium's microsecond
 * values): the library parses with pg's global parsers, which round to milliseconds, and changing
 * those globally would change every other pg client in the process. Its parser is reached by name,
 * so a library version without it keeps milliseconds and says so once.
 */
function keepDateTimeText(plugin: PgoutputPlugin, log: Logger): void {
  const parser = (plugin as unknown as { parser?: Partial<ColumnReader> }).parser;
  const read = parser?.readRelationColumn?.bind(parser);
  if (!parser || !read) {
    log.warn('pg-logical-replication changed: timestamps are relayed with milliseconds, not microseconds');
    return;
  }
  parser.readRelationColumn = (reader) => {
    const column = read(reader);
    column.parser = textParserFor(column.typeOid) ?? column.parser;
    return column;
  };
}

const quoteTable = (t: string) => t.split('.').map((p) => `"${p.replace(/"/g, '""')}"`).join('.');

/**
 * Creates what capture needs, idempotently: REPLICA IDENTITY FULL on every captured table (so
 * updates and deletes carry the old row), a publication of exactly those tables, and the slot.
 */
export async function prepareCapture(
  opts: Pick<RelayOptions, 'databaseUrl' | 'slot' | 'publication' | 'tables'>,
): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString: opts.databaseUrl });
  await client.connect();
  try {
    // Without logical decoding nothing would ever be captured: say so now, not by silence later.
    const wal = (await client.query<{ wal_level: string }>('show wal_level')).rows[0]?.wal_level;
    if (wal !== 'logical') {
      throw new Error(`PostgreSQL runs with wal_level=${wal}; change data capture needs wal_level=logical (ALTER SYSTEM SET wal_level = logical, then restart PostgreSQL)`);
    }
    const tables = opts.tables.map(quoteTable).join(', ');
    for (const t of opts.tables) await client.query(`alter table ${quoteTable(t)} replica identity full`);
    const exists = await client.query('select 1 from pg_publication where pubname = $1', [opts.publication]);
    await client.query(
      exists.rowCount ? `alter publication "${opts.publication}" set table ${tables}` : `create publication "${opts.publication}" for table ${tables}`,
    );
    const slot = await client.query('select 1 from pg_replication_slots where slot_name = $1', [opts.slot]);
    if (!slot.rowCount) await client.query(`select pg_create_logical_replication_slot($1, 'pgoutput')`, [opts.slot]);
    // Debezium keys a record by the table's primary key. Under REPLICA IDENTITY FULL pgoutput marks
    // every column as a key column, so the key must come from the catalog, not from the stream.
    const keys = await client.query<{ tbl: string; cols: string[] }>(
      `select n.nspname || '.' || c.relname as tbl, array_agg(a.attname::text order by array_position(i.indkey, a.attnum)) as cols
         from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attnum = any(i.indkey)
        where i.indisprimary and (n.nspname || '.' || c.relname) = any($1) group by 1`,
      [opts.tables],
    );
    return new Map(keys.rows.map((r) => [r.tbl, r.cols]));
  } finally {
    await client.end();
  }
}

/**
 * The built-in stand-in for Debezium: reads the slot with pgoutput and emits, per committed
 * transaction, exactly the records Debezium would (envelope, key, tombstone after delete). It
 * confirms a transaction's LSN to PostgreSQL only after the sink has the records, so a crash
 * re-sends (duplicates, recognisable by `source.lsn`) and never loses.
 */
export class Relay {
  readonly #opts: RelayOptions;
  readonly #log: Logger;
  readonly #relations = new Map<number, Relation>();
  /** Primary-key columns per `schema.table`, read at start (prepareCapture). */
  #primaryKeys = new Map<string, string[]>();
  #service: LogicalReplicationService | undefined;
  #tx: OpenTransaction | undefined;
  #confirmed = '0/0';
  #keepalive: NodeJS.Timeout | undefined;
  #stopped = false;
  #restarting = false;
  #database = '';

  constructor(opts: RelayOptions) {
    this.#opts = opts;
    this.#log = opts.logger.child({ component: 'relay' });
  }

  async start(): Promise<void> {
    this.#primaryKeys = await prepareCapture(this.#opts);

    this.#database = new URL(this.#opts.databaseUrl).pathname.slice(1);
    const service = new LogicalReplicationService(
      { connectionString: this.#opts.databaseUrl },
      // Never let the library confirm on its own: it would confirm what the sink has not stored.
      { acknowledge: { auto: false, timeoutSeconds: 0 }, flowControl: { enabled: true } },
    );
    this.#service = service;
    service.on('data', (lsn: string, message: Pgoutput.Message) => this.#onMessage(lsn, message));
    service.on('heartbeat', (_lsn: string, _ts: number, shouldRespond: boolean) => {
      if (shouldRespond) void service.acknowledge(this.#confirmed).catch(() => {});
    });
    service.on('error', (err: Error) => {
      if (this.#stopped) return;
      this.#log.error({ err: err.message }, 'replication stream failed; reconnecting from the slot in 1 s');
      void this.#restart();
    });
    this.#keepalive = setInterval(() => void service.acknowledge(this.#confirmed).catch(() => {}), 10_000).unref();
    const plugin = new PgoutputPlugin({ protoVersion: 1, publicationNames: [this.#opts.publication], ...(this.#opts.traced ? { messages: true } : {}) });
    keepDateTimeText(plugin, this.#log);
    service.subscribe(plugin, this.#opts.slot).catch((err: Error) => {
      if (!this.#stopped) this.#log.error({ err: err.message }, 'replication subscription ended');
    });
    this.#log.info({ slot: this.#opts.slot, tables: this.#opts.tables }, 'relay streaming');
  }

  /** Reconnects from the slot until it works (or the relay is stopped): a relay that gives up lets WAL pile up. */
  async #restart(): Promise<void> {
    if (this.#restarting) return;
    this.#restarting = true;
    try {
      await this.#reconnect();
    } finally {
      this.#restarting = false;
    }
  }

  async #reconnect(): Promise<void> {
    await this.#service?.stop().catch(() => {});
    clearInterval(this.#keepalive);
    this.#tx = undefined;
    for (let attempt = 1, delay = 1000; !this.#stopped; attempt++, delay = Math.min(delay * 2, 30_000)) {
      await new Promise((r) => setTimeout(r, delay));
      if (this.#stopped) return;
      try {
        await this.start();
        return;
      } catch (err) {
        this.#log.error({ err: (err as Error).message, attempt, nextInMs: Math.min(delay * 2, 30_000) }, 'relay restart failed; retrying');
      }
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#keepalive);
    const service = this.#service;
    await service?.destroy().catch(() => {});
    // destroy() drops every listener, but a message still being handled can fail after it (its sink
    // closing too); the library then emits 'error', which with no listener would crash the process.
    service?.on('error', () => {});
  }

  async #onMessage(lsn: string, message: Pgoutput.Message): Promise<void> {
    switch (message.tag) {
      case 'relation':
        this.#relations.set(message.relationOid, {
          schema: message.schema,
          name: message.name,
          keyColumns: message.keyColumns,
          columns: message.columns,
        });
        return;
      case 'begin':
        this.#tx = {
          xid: message.xid,
          commitUs: BigInt(message.commitTime as bigint),
          records: [],
          lastLsn: this.#confirmed,
          startedAt: Date.now(),
          traceparents: [],
        };
        return;
      case 'message':
        if (this.#tx && message.transactional && message.prefix === TRACE_MESSAGE_PREFIX) this.#tx.traceparents.push(Buffer.from(message.content).toString());
        return;
      case 'insert':
        return this.#add(lsn, 'c', message.relation.relationOid, null, message.new);
      case 'update':
        return this.#add(lsn, 'u', message.relation.relationOid, message.old ?? message.key, message.new);
      case 'delete':
        return this.#add(lsn, 'd', message.relation.relationOid, message.old ?? message.key, null);
      case 'truncate':
        // Debezium skips truncates by default (`skipped.operations=t`); so does its stand-in.
        return;
      case 'commit': {
        const tx = this.#tx;
        this.#tx = undefined;
        const commitLsn: string = message.commitEndLsn ?? lsn;
        // Throws on a sink failure: the stream restarts from the slot and the transaction comes again.
        if (tx?.records.length) await this.#deliver(tx, commitLsn);
        this.#confirmed = commitLsn;
        await this.#service?.acknowledge(commitLsn);
        return;
      }
    }
  }

  /**
   * Hands a transaction's records to the sink. Traced, inside a span that continues the trace of the
   * request that committed it (further requests' traces, if several wrote the transaction, are links),
   * and each record carries the span's context on.
   */
  async #deliver(tx: OpenTransaction, commitLsn: string): Promise<void> {
    if (!tracingActive()) return this.#opts.sink.send(tx.records);
    const [parent, ...others] = tx.traceparents;
    await inSpan(
      'relay',
      'relay.transaction',
      {
        kind: SpanKind.PRODUCER,
        parent: contextFrom(parent ? { traceparent: parent } : undefined),
        startTime: tx.startedAt,
        links: others.flatMap((traceparent) => linkTo(traceparent) ?? []),
        attributes: { 'db.system': 'postgresql', 'atrium.relay.xid': tx.xid, 'atrium.relay.commit_lsn': commitLsn, 'messaging.batch.message_count': tx.records.length },
      },
      () => this.#opts.sink.send(tx.records.map((record) => ({ ...record, headers: injectTraceContext({}) }))),
    );
  }

  #add(lsn: string, op: Op, relationOid: number, before: Row | null, after: Row | null): void {
    const relation = this.#relations.get(relationOid);
    const tx = this.#tx;
    if (!relation || !tx) return;
    const topic = changeTopic(this.#opts.topicPrefix, relation.schema, relation.name);
    const keySource = after ?? before;
    const keyColumns = this.#primaryKeys.get(`${relation.schema}.${relation.name}`) ?? relation.keyColumns;
    const key = !keySource ? null : JSON.stringify(Object.fromEntries(keyColumns.map((c) => [c, keySource[c]])));
    const nowUs = BigInt(Date.now()) * 1000n;
    const value = {
      before: encodeRow(before, relation.columns),
      after: encodeRow(after, relation.columns),
      source: {
        version: 'atrium-relay-1',
        connector: 'postgresql',
        name: this.#opts.topicPrefix,
        ts_ms: Number(tx.commitUs / 1000n),
        ts_us: Number(tx.commitUs),
        ts_ns: exactLong(tx.commitUs * 1000n),
        snapshot: 'false',
        db: this.#database,
        // Debezium's [last commit LSN, this change's LSN]; like Debezium, no commit seen since start is null.
        sequence: JSON.stringify([tx.lastLsn === '0/0' ? null : String(lsnToNumber(tx.lastLsn)), String(lsnToNumber(lsn))]),
        schema: relation.schema,
        table: relation.name,
        txId: tx.xid,
        lsn: lsnToNumber(lsn),
        xmin: null,
        // Debezium 3: where a change replicated from another server came from; never, here.
        origin: null,
        origin_lsn: null,
      },
      op,
      ts_ms: Number(nowUs / 1000n),
      ts_us: Number(nowUs),
      ts_ns: exactLong(nowUs * 1000n),
      transaction: null,
    };
    tx.records.push({ topic, key, value: JSON.stringify(value).replace(LONG, '$1') });
    // Debezium follows every delete with a tombstone of the same key, for log compaction.
    if (op === 'd') tx.records.push({ topic, key, value: null });
  }
}

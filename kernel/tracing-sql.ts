import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { DefaultLogger, type EventSubscriber, type LogContext, type Logger as OrmLogger, type LoggerOptions, type TransactionEventArgs } from '@mikro-orm/core';
import { tracerFor, tracingActive, traceparentOf } from './tracing.ts';

/**
 * SQL in traces: a span per statement a subgraph sends, and the request's `traceparent` written into
 * the WAL of each transaction it commits, so change data capture can continue the trace.
 */

/** The longest `db.statement` a span carries; longer statements are cut (they are code, not data). */
const MAX_STATEMENT = 2000;

/** The prefix of the logical-decoding message that carries a transaction's `traceparent` (cdc/relay/relay.ts reads it). */
export const TRACE_MESSAGE_PREFIX = 'atrium.traceparent';

/**
 * MikroORM's logger, plus a child span of the active span for every statement it reports. Its query
 * log is the one place with both the statement as written (`?` placeholders: MikroORM inlines the
 * parameters only into the text it sends, so a driver-level hook would see values) and its duration
 * (`took`, whole milliseconds, measured by MikroORM around the round trip). Statements outside a
 * traced request (start-up, readiness probes, background work) make no span.
 */
export function tracedQueryLogger(service: string): (options: LoggerOptions) => OrmLogger {
  return (options) => {
    const logger = DefaultLogger.create(options);
    const logQuery = logger.logQuery.bind(logger);
    logger.logQuery = (ctx: LogContext) => {
      if (tracingActive()) recordStatement(service, ctx);
      logQuery(ctx as Parameters<typeof logQuery>[0]);
    };
    return logger;
  };
}

function recordStatement(service: string, ctx: LogContext): void {
  if ((ctx.namespace ?? 'query') !== 'query' || ctx.took == null || !ctx.query) return;
  const parent = context.active();
  if (!trace.getSpan(parent)?.isRecording()) return;
  // With MikroORM's `query-params` debug logging the text has the values in it: then no text at all.
  const inlined = Array.isArray(ctx.params) && ctx.params.length > 0 && ctx.query === ctx.formatted;
  const end = Date.now();
  const { operation, table } = ctx.query.includes(TRACE_MESSAGE_PREFIX) ? { operation: 'SELECT', table: 'pg_logical_emit_message' } : describe(ctx.query);
  const span = tracerFor(service).startSpan(
    `sql ${operation}${table ? ` ${table}` : ''}`,
    {
      kind: SpanKind.CLIENT,
      startTime: end - ctx.took,
      attributes: {
        'db.system': 'postgresql',
        'db.operation': operation,
        ...(table ? { 'db.sql.table': table } : {}),
        ...(inlined ? {} : { 'db.statement': truncate(ctx.query) }),
        ...(ctx.results != null ? { 'db.rows': ctx.results } : {}),
        ...(ctx.affected != null ? { 'db.rows_affected': ctx.affected } : {}),
      },
    },
    parent,
  );
  if (ctx.level === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(end);
}

/** The statement's verb and first table, for a span name a trace view can read ("sql INSERT instances.instance"). */
export function describe(sql: string): { operation: string; table?: string } {
  const operation = (/^\s*(\w+)/.exec(sql)?.[1] ?? 'SQL').toUpperCase();
  const table = /\b(?:from|into|update|join)\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i.exec(sql)?.[1]?.replace(/"/g, '');
  return table ? { operation, table } : { operation };
}

export function truncate(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_STATEMENT ? `${flat.slice(0, MAX_STATEMENT)}…` : flat;
}

/**
 * Writes the active span's `traceparent` into each transaction a traced request commits, as a
 * transactional logical-decoding message: it reaches the relay inside that transaction, between its
 * begin and commit, and nowhere else (no table, no row). Only when tracing is on, and only where
 * wal_level is logical (elsewhere the function would fail the transaction, so the statement checks).
 */
export function traceMarks(): EventSubscriber {
  return {
    async beforeTransactionCommit(args: TransactionEventArgs) {
      if (!tracingActive() || args.transaction?.savepointName) return;
      const traceparent = traceparentOf();
      if (!traceparent) return;
      await args.em
        .getConnection()
        .execute(
          `select case when current_setting('wal_level') = 'logical' then pg_logical_emit_message(true, '${TRACE_MESSAGE_PREFIX}', ?) end as mark`,
          [traceparent],
          'all',
          args.transaction,
        );
    },
  };
}

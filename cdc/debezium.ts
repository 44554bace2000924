/**
 * Debezium's PostgreSQL change events, as they sit in Kafka with the JSON converter: the one
 * contract between capture (Debezium in production, the built-in relay elsewhere) and the bridge.
 * See docs/change-events.md and cdc/test/fixtures/debezium.
 */

export type Op = 'c' | 'u' | 'd' | 'r' | 't' | 'm';
export type Row = Record<string, unknown>;

/** The `source` block, as far as consumers use it. */
export interface Source {
  connector: string;
  name: string;
  db: string;
  schema: string;
  table: string;
  /** When the change was made in the database, ms since the epoch. */
  ts_ms: number;
  /** WAL position of the change: with `table` it identifies a change, so duplicates are recognised. */
  lsn: number | null;
  txId: number | null;
  snapshot: string | boolean;
  sequence?: string | null;
  version?: string;
}

/** A value payload (`value.converter.schemas.enable=false`, or the `payload` of an envelope). */
export interface ChangePayload {
  before?: Row | null;
  after?: Row | null;
  source: Source;
  op: Op;
  ts_ms: number;
  transaction?: unknown;
  message?: { prefix: string; content: string };
}

/** One Kafka record of a change topic, before decoding. */
export interface ChangeRecord {
  topic: string;
  key: string | null;
  value: string | null;
}

/** What a record decodes to: a change (rows already decoded), a tombstone, or an error to dead-letter. */
export type Decoded =
  | { kind: 'change'; key: Row | null; change: ChangePayload }
  | { kind: 'tombstone'; key: Row | null }
  | { kind: 'invalid'; reason: string };

interface FieldSchema {
  type: string;
  name?: string;
  field?: string;
  optional?: boolean;
  parameters?: Record<string, string>;
  fields?: FieldSchema[];
  items?: FieldSchema;
}

const OPS = new Set<Op>(['c', 'u', 'd', 'r', 't', 'm']);

/** Unwraps the JSON converter's `{schema, payload}` envelope when `schemas.enable=true`. */
function unwrap(json: unknown): { payload: unknown; schema?: FieldSchema } {
  if (json && typeof json === 'object' && 'payload' in json && 'schema' in json) {
    const { payload, schema } = json as { payload: unknown; schema: FieldSchema };
    return { payload, schema };
  }
  return { payload: json };
}

/** Two's-complement big-endian bytes (base64) scaled by `scale`, as an exact decimal string. */
export function decodeDecimal(base64: string, scale: number): string {
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length === 0) return '0';
  let unscaled = BigInt(`0x${bytes.toString('hex')}`);
  if ((bytes[0] as number) & 0x80) unscaled -= 1n << BigInt(bytes.length * 8);
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const whole = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return negative ? `-${whole}` : whole;
}

/** One column value by its Connect schema's semantic name; unknown names pass through unchanged. */
function decodeValue(value: unknown, schema: FieldSchema | undefined): unknown {
  if (value === null || value === undefined || !schema) return value;
  switch (schema.name) {
    case 'io.debezium.data.Json':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'io.debezium.time.MicroTimestamp':
      return new Date(Number(value) / 1000).toISOString();
    case 'io.debezium.time.Timestamp':
      return new Date(Number(value)).toISOString();
    case 'io.debezium.time.Date':
      return new Date(Number(value) * 86_400_000).toISOString().slice(0, 10);
    case 'org.apache.kafka.connect.data.Decimal':
      return typeof value === 'string' ? decodeDecimal(value, Number(schema.parameters?.scale ?? 0)) : String(value);
    case 'io.debezium.data.VariableScaleDecimal': {
      const v = value as { scale: number; value: string };
      return decodeDecimal(v.value, v.scale);
    }
  }
  if (schema.type === 'array' && Array.isArray(value)) return value.map((item) => decodeValue(item, schema.items));
  return value;
}

function decodeRow(row: unknown, schema: FieldSchema | undefined): Row | null {
  if (!row || typeof row !== 'object') return null;
  if (!schema?.fields) return row as Row;
  const bySchema = new Map(schema.fields.map((f) => [f.field, f]));
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, decodeValue(v, bySchema.get(k))]));
}

function parseJson(text: string | null): { ok: true; value: unknown } | { ok: false; reason: string } {
  if (text === null) return { ok: true, value: null };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
}

/**
 * Decodes one Kafka record of a Debezium topic: with or without the schema wrapper, tombstones
 * (null value), truncate (null key) and every column encoding Debezium uses by default.
 */
export function decodeRecord(record: Pick<ChangeRecord, 'key' | 'value'>): Decoded {
  const key = parseJson(record.key);
  if (!key.ok) return { kind: 'invalid', reason: `key ${key.reason}` };
  let keyRow: Row | null;
  try {
    keyRow = decodeRow(unwrap(key.value).payload, unwrap(key.value).schema);
  } catch (err) {
    return { kind: 'invalid', reason: `key column value: ${(err as Error).message}` };
  }
  if (record.value === null) return { kind: 'tombstone', key: keyRow };
  const value = parseJson(record.value);
  if (!value.ok) return { kind: 'invalid', reason: `value ${value.reason}` };
  const { payload, schema } = unwrap(value.value);
  if (!payload || typeof payload !== 'object') return { kind: 'invalid', reason: 'value is not an object' };
  const raw = payload as Partial<ChangePayload>;
  if (!raw.op || !OPS.has(raw.op)) return { kind: 'invalid', reason: `unknown op ${JSON.stringify(raw.op)}` };
  if (!raw.source || typeof raw.source !== 'object') return { kind: 'invalid', reason: 'no source block' };
  const rowSchema = (field: string) => schema?.fields?.find((f) => f.field === field);
  try {
    return {
      kind: 'change',
      key: keyRow,
      change: {
        ...(raw as ChangePayload),
        before: decodeRow(raw.before, rowSchema('before')),
        after: decodeRow(raw.after, rowSchema('after')),
        ts_ms: Number(raw.ts_ms),
        source: {
          ...raw.source,
          ts_ms: Number(raw.source.ts_ms),
          lsn: raw.source.lsn === undefined || raw.source.lsn === null ? null : Number(raw.source.lsn),
          txId: raw.source.txId === undefined || raw.source.txId === null ? null : Number(raw.source.txId),
        },
      },
    };
  } catch (err) {
    return { kind: 'invalid', reason: `column value: ${(err as Error).message}` };
  }
}

/** `<prefix>.<schema>.<table>`: Debezium's default topic naming. */
export const changeTopic = (prefix: string, schema: string, table: string) => `${prefix}.${schema}.${table}`;

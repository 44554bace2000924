import pg from 'pg';
import type { Row } from './debezium.ts';

/** PostgreSQL type OIDs the relay encodes the way Debezium does (default `adaptive` precision, JSON converter). */
const OID = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  float4: 700,
  float8: 701,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  numeric: 1700,
  jsonb: 3802,
} as const;

/** Array type OID -> element type OID, for the arrays our tables use and their common kin. */
const ARRAY_ELEMENT: Record<number, number> = {
  1000: OID.bool,
  1005: OID.int2,
  1007: OID.int4,
  1016: OID.int8,
  1021: OID.float4,
  1022: OID.float8,
  1009: 25,
  1015: 1043,
  2951: 2950,
  199: OID.json,
  3807: OID.jsonb,
  1182: OID.date,
  1115: OID.timestamp,
  1185: OID.timestamptz,
  1231: OID.numeric,
};

/** Unscaled two's-complement big-endian bytes, base64: Debezium's `Decimal` in JSON. */
export function encodeDecimal(text: string, scale: number): string {
  const [whole = '0', fraction = ''] = text.replace(/^-/, '').split('.');
  let unscaled = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  if (text.startsWith('-')) unscaled = -unscaled;
  let hex = (unscaled < 0n ? (1n << BigInt(8 * byteLength(unscaled))) + unscaled : unscaled).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  // A positive number whose top bit is set needs a leading zero byte to stay positive.
  if (unscaled >= 0n && Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  return Buffer.from(hex, 'hex').toString('base64');
}

function byteLength(n: bigint): number {
  let bytes = 1;
  while (n < -(1n << BigInt(8 * bytes - 1)) || n >= 1n << BigInt(8 * bytes - 1)) bytes++;
  return bytes;
}

/** Date/time types whose text the relay keeps (pg's own parsers round to milliseconds and shift to local time). */
const DATETIME_TYPES = new Set<number>([OID.date, OID.timestamp, OID.timestamptz, 1182, 1115, 1185]);

/**
 * The parser pgoutput values of a column are read with: the text itself for date/time types (arrays
 * split into their elements' text), so microseconds survive; `undefined` keeps the driver's parser.
 */
export function textParserFor(typeOid: number): ((text: string) => unknown) | undefined {
  if (!DATETIME_TYPES.has(typeOid)) return undefined;
  if (ARRAY_ELEMENT[typeOid] === undefined) return (text) => text;
  const textArray = (pg.types.getTypeParser as (oid: number) => (text: string) => unknown)(1009);
  return (text) => textArray(text);
}

const DATETIME = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/** PostgreSQL's text of a date, timestamp or timestamptz as microseconds since the epoch (UTC), or null for `infinity` and the like. */
export function microsFromText(text: string): bigint | null {
  const m = DATETIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', fraction = '', sign, oh = '0', om = '0', os = '0', bc] = m;
  const year = bc ? 1 - Number(y) : Number(y);
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(sec), 0);
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om) * 60 + Number(os)) : 0;
  return (BigInt(date.getTime()) - BigInt(offset) * 1000n) * 1000n + BigInt(fraction.padEnd(6, '0'));
}

/**
 * Microseconds since the epoch as Debezium's ZonedTimestamp prints them: ISO-8601 in UTC, the
 * fraction at the column's precision (`timestamptz(p)`; 6 without one), trailing zeros kept.
 */
export function isoFromMicros(micros: bigint, precision = 6): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const fraction = (((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).toString().padStart(6, '0').slice(0, precision);
  return `${base}${fraction ? `.${fraction}` : ''}Z`;
}

/** Wall-clock fields of a Date the pg driver parsed in local time, as if they were UTC. */
const wallClockUtc = (d: Date) =>
  Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());

/**
 * A parsed jsonb value written back as PostgreSQL prints jsonb (", " and ": " between items, keys in
 * the order PostgreSQL gave them), which is the text Debezium forwards.
 */
export function jsonbText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonbText).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${jsonbText(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

/**
 * One column value as Debezium writes it: timestamptz as an ISO string in UTC (ZonedTimestamp),
 * timestamp as microseconds (MicroTimestamp), date as days, json/jsonb as JSON text, numeric as a
 * base64 Decimal, bytea as base64, arrays element by element.
 */
export function encodeValue(value: unknown, typeOid: number, typeMod = -1): unknown {
  if (value === null || value === undefined) return null;
  const element = ARRAY_ELEMENT[typeOid];
  if (element !== undefined && Array.isArray(value)) return value.map((v) => encodeValue(v, element, typeMod));
  switch (typeOid) {
    case OID.bool:
      return Boolean(value);
    case OID.int2:
    case OID.int4:
    case OID.int8:
    case OID.float4:
    case OID.float8:
      return Number(value);
    case OID.json:
      return typeof value === 'string' ? value : JSON.stringify(value);
    case OID.jsonb:
      return typeof value === 'string' ? value : jsonbText(value);
    case OID.timestamptz: {
      if (value instanceof Date) return value.toISOString();
      const micros = microsFromText(String(value));
      return micros === null ? String(value) : isoFromMicros(micros, typeMod >= 0 ? typeMod : 6);
    }
    case OID.timestamp: {
      if (value instanceof Date) return wallClockUtc(value) * 1000;
      const micros = microsFromText(String(value));
      return micros === null ? String(value) : Number(micros);
    }
    case OID.date: {
      if (value instanceof Date) return Math.round(wallClockUtc(value) / 86_400_000);
      const micros = microsFromText(String(value));
      return micros === null ? String(value) : Number(micros / 86_400_000_000n);
    }
    case OID.numeric: {
      const text = String(value);
      if (typeMod < 4) return { scale: (text.split('.')[1] ?? '').length, value: encodeDecimal(text, (text.split('.')[1] ?? '').length) };
      return encodeDecimal(text, (typeMod - 4) & 0xffff);
    }
    case OID.bytea:
      return Buffer.isBuffer(value) ? value.toString('base64') : Buffer.from(String(value)).toString('base64');
    default:
      return value instanceof Date ? value.toISOString() : value;
  }
}

/** A whole row, column by column, with the types the relation message announced. */
export function encodeRow(row: Row | null, columns: { name: string; typeOid: number; typeMod: number }[]): Row | null {
  if (!row) return null;
  return Object.fromEntries(columns.filter((c) => c.name in row).map((c) => [c.name, encodeValue(row[c.name], c.typeOid, c.typeMod)]));
}

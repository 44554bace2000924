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
  if (element !== undefined && Array.isArray(value)) return value.map((v) => encodeValue(v, element));
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
    case OID.timestamptz:
      return (value instanceof Date ? value : new Date(String(value))).toISOString();
    case OID.timestamp:
      return (value instanceof Date ? wallClockUtc(value) : Date.parse(`${value}Z`)) * 1000;
    case OID.date:
      return Math.round((value instanceof Date ? wallClockUtc(value) : Date.parse(`${value}T00:00:00Z`)) / 86_400_000);
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

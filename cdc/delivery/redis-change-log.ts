import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { serviceUnavailable } from '../../kernel/errors.ts';
import type { EventBus } from '../../kernel/pubsub.ts';
import type { ChangeLog, EventOrigin, LoggedEvent, Retention } from './change-log.ts';
import { cursorExpired, cursorFromTheFuture, formatCursor, parseCursor } from './cursor.ts';

/** A command that has not answered by then fails: an outage must cost a subscriber a second, not a hang. */
const COMMAND_TIMEOUT_MS = 800;

const ID_ORDER = `
local function older(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
`;

/**
 * Appends one event, atomically: drop it if its origin source appended it recently (a sorted set per
 * source, by time, trimmed like the stream); take the
 * next id from the one clock of every channel; XADD it with the previous id of its channel; trim by
 * age and count; PUBLISH it (so live subscribers see events in stream order).
 * KEYS: clock, epoch, stream, source's recent set, lasts. ARGV: source, identity, event JSON, pub/sub channel,
 * retention ms, max events, a fresh epoch, channel.
 */
const APPEND = `
if ARGV[1] ~= '' and redis.call('ZSCORE', KEYS[4], ARGV[2]) then return false end
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[7]
  redis.call('SET', KEYS[2], epoch)
end
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local seq = 0
local clock = redis.call('GET', KEYS[1])
if clock then
  local cms, cseq = string.match(clock, '^(%d+)-(%d+)$')
  cms, cseq = tonumber(cms), tonumber(cseq)
  if ms <= cms then
    ms = cms
    seq = cseq + 1
  end
end
local id = string.format('%.0f-%.0f', ms, seq)
redis.call('SET', KEYS[1], id)
local prev = redis.call('HGET', KEYS[5], ARGV[8])
redis.call('HSET', KEYS[5], ARGV[8], id)
redis.call('XADD', KEYS[3], id, 'e', ARGV[3], 'p', prev or '')
local oldest = ms - tonumber(ARGV[5])
if oldest > 0 then redis.call('XTRIM', KEYS[3], 'MINID', string.format('%.0f-0', oldest)) end
redis.call('XTRIM', KEYS[3], 'MAXLEN', ARGV[6])
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[4], ms, ARGV[2])
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. string.format('%.0f', oldest))
  local excess = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[6])
  if excess > 0 then redis.call('ZREMRANGEBYRANK', KEYS[4], 0, excess - 1) end
end
local prevCursor = 'null'
if prev then prevCursor = '"' .. prev .. '.' .. epoch .. '"' end
redis.call('PUBLISH', ARGV[4], '{"cursor":"' .. id .. '.' .. epoch .. '","prev":' .. prevCursor .. ',"event":' .. ARGV[3] .. '}')
return {id .. '.' .. epoch, prev and (prev .. '.' .. epoch) or ''}
`;

/**
 * Reads after a cursor, refusing one into lost history: another epoch (the store was reset), or
 * before the newest trimmed entry, which is the `prev` of the oldest kept one (or, with none kept,
 * the channel's last). KEYS: clock, epoch, stream, lasts. ARGV: after id, its epoch, limit, channel.
 */
const READ = `${ID_ORDER}
local epoch = redis.call('GET', KEYS[2])
if not epoch or epoch ~= ARGV[2] then return {'expired'} end
local clock = redis.call('GET', KEYS[1]) or '0-0'
if older(clock, ARGV[1]) then return {'future'} end
local oldest = redis.call('XRANGE', KEYS[3], '-', '+', 'COUNT', 1)
local trimmed = false
if oldest[1] then
  local fields = oldest[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'p' and fields[i + 1] ~= '' then trimmed = fields[i + 1] end
  end
else
  trimmed = redis.call('HGET', KEYS[4], ARGV[4])
end
if trimmed and older(ARGV[1], trimmed) then return {'expired'} end
return {'ok', redis.call('XRANGE', KEYS[3], '(' .. ARGV[1], '+', 'COUNT', ARGV[3])}
`;

/** KEYS: clock, epoch. ARGV: a fresh epoch. */
const NOW = `
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[2], epoch)
end
return (redis.call('GET', KEYS[1]) or '0-0') .. '.' .. epoch
`;

type Commands = {
  atriumAppend(...args: string[]): Promise<[string, string] | null>;
  atriumRead(...args: string[]): Promise<[string, [string, string[]][]?]>;
  atriumNow(...args: string[]): Promise<string>;
};

/**
 * The change log in Redis, shared by every bridge and subgraph replica: one stream per channel
 * (trimmed by age and count), one clock for all of them, and what each origin source appended
 * recently, for dedupe. Live delivery rides the event bus (graphql-redis-subscriptions), which the append publishes to.
 */
export class RedisChangeLog implements ChangeLog {
  readonly #redis: Redis & Commands;
  readonly #bus: EventBus;
  readonly #prefix: string;
  readonly #retention: Retention;

  constructor(opts: { url: string; prefix: string; bus: EventBus; retention: Retention }) {
    const redis = new Redis(opts.url, { lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
    // ioredis reconnects by itself; without a listener a refused connection would crash the process.
    redis.on('error', () => {});
    redis.defineCommand('atriumAppend', { numberOfKeys: 5, lua: APPEND });
    redis.defineCommand('atriumRead', { numberOfKeys: 4, lua: READ });
    redis.defineCommand('atriumNow', { numberOfKeys: 2, lua: NOW });
    this.#redis = redis as Redis & Commands;
    this.#bus = opts.bus;
    this.#prefix = opts.prefix;
    this.#retention = opts.retention;
  }

  get retentionMs() {
    return this.#retention.retentionMs;
  }

  #key = (name: string) => `${this.#prefix}events:${name}`;

  async #run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      throw serviceUnavailable('The event history is unavailable; try again shortly');
    }
  }

  async append<T extends object>(channel: string, event: T, origin: EventOrigin | null): Promise<LoggedEvent<T> | null> {
    // Unlike reads, a failed append must reach the bridge as it is: the record is then not confirmed and comes again.
    const reply = await this.#redis.atriumAppend(
      this.#key('clock'),
      this.#key('epoch'),
      this.#key(`stream:${channel}`),
      this.#key(`source:${origin?.source ?? ''}`),
      this.#key('lasts'),
      origin?.source ?? '',
      origin?.position ?? '',
      JSON.stringify(event),
      `${this.#prefix}${channel}`,
      String(this.#retention.retentionMs),
      String(this.#retention.maxEvents),
      newEpoch(),
      channel,
    );
    if (!reply) return null;
    return { cursor: reply[0], prev: reply[1] || null, event };
  }

  now(): Promise<string> {
    return this.#run(() => this.#redis.atriumNow(this.#key('clock'), this.#key('epoch'), newEpoch()));
  }

  async read<T>(channel: string, after: string, limit: number): Promise<LoggedEvent<T>[]> {
    const cursor = parseCursor(after);
    const [status, entries = []] = await this.#run(() =>
      this.#redis.atriumRead(this.#key('clock'), this.#key('epoch'), this.#key(`stream:${channel}`), this.#key('lasts'), cursor.id, cursor.epoch, String(limit), channel),
    );
    if (status === 'expired') throw cursorExpired(this.retentionMs);
    if (status === 'future') throw cursorFromTheFuture();
    return entries.map(([id, fields]) => {
      const value: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) value[fields[i] as string] = fields[i + 1] as string;
      const prev = value.p;
      return { cursor: formatCursor(id, cursor.epoch), prev: prev ? formatCursor(prev, cursor.epoch) : null, event: JSON.parse(value.e ?? 'null') as T };
    });
  }

  listen<T>(channel: string, onEvent: (event: LoggedEvent<T>) => void, onResync: () => void): Promise<() => void> {
    return this.#bus.subscribe<LoggedEvent<T>>(channel, onEvent, onResync);
  }

  async ping(): Promise<void> {
    await this.#run(() => this.#redis.ping());
  }

  async close(): Promise<void> {
    this.#redis.disconnect();
  }
}

/** An epoch names one life of the store; a reset store starts another, and older cursors expire. */
const newEpoch = () => randomBytes(8).toString('hex');

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createEventBus, type EventBus } from '../../kernel/pubsub.ts';
import type { ChangeLog, LoggedEvent, Retention } from '../delivery/change-log.ts';
import { openChangeFeed } from '../delivery/change-feed.ts';
import { MemoryChangeLog } from '../delivery/memory-change-log.ts';
import { RedisChangeLog } from '../delivery/redis-change-log.ts';

/** One contract, two logs: what `npm start` keeps in process must behave like what production keeps in Redis. */
interface Made {
  log: ChangeLog;
  close(): Promise<void>;
}
const REDIS = process.env.REDIS_URL as string;
const made: [string, (retention?: Partial<Retention>) => Made][] = [
  ['memory', (r) => ({ log: new MemoryChangeLog({ retentionMs: 60_000, maxEvents: 1000, ...r }), close: async () => {} })],
  [
    'redis',
    (r) => {
      const prefix = `log-test:${randomBytes(4).toString('hex')}:`;
      const bus = createEventBus({ redisUrl: REDIS, prefix });
      const log = new RedisChangeLog({ url: REDIS, prefix, bus, retention: { retentionMs: 60_000, maxEvents: 1000, ...r } });
      return {
        log,
        async close() {
          await log.close();
          await bus.close();
        },
      };
    },
  ],
];

const origin = (source: string, position: number) => ({ source, position: String(position).padStart(10, '0') });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Collects what a feed yields, until told to stop. */
function drain<T>(feed: AsyncIterableIterator<LoggedEvent<T>>) {
  const got: LoggedEvent<T>[] = [];
  const done = (async () => {
    for await (const e of feed) got.push(e);
  })();
  return {
    got,
    async until(n: number, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (got.length < n && Date.now() < deadline) await sleep(10);
      return got;
    },
    async stop() {
      await feed.return?.();
      await done;
    },
  };
}

describe.each(made)('the %s change log', (_name, make) => {
  let m: Made;
  afterEach(() => m.close());

  test('keeps events in order, each linked to the one before it on its channel, and reads after any cursor', async () => {
    m = make();
    const a = await m.log.append('c1', { n: 1 }, null);
    const other = await m.log.append('c2', { n: 'other' }, null);
    const b = await m.log.append('c1', { n: 2 }, null);
    const c = await m.log.append('c1', { n: 3 }, null);
    expect(a?.prev).toBeNull();
    expect(b?.prev).toBe(a?.cursor);
    expect(c?.prev).toBe(b?.cursor);
    expect(other?.prev).toBeNull();
    expect((await m.log.read('c1', a!.cursor, 10)).map((e) => e.event)).toEqual([{ n: 2 }, { n: 3 }]);
    expect((await m.log.read('c1', a!.cursor, 1)).map((e) => e.cursor)).toEqual([b!.cursor]);
    // Cursors share one clock: a cursor of another channel positions a read here too.
    expect((await m.log.read('c1', other!.cursor, 10)).map((e) => e.event)).toEqual([{ n: 2 }, { n: 3 }]);
    expect(await m.log.read('c1', c!.cursor, 10)).toEqual([]);
    expect(await m.log.read('never-used', c!.cursor, 10)).toEqual([]);
  });

  test('an event its origin source appended recently is appended once, whatever the order around it', async () => {
    m = make({ maxEvents: 3 });
    expect(await m.log.append('c', { n: 1 }, origin('t:0', 5))).not.toBeNull();
    expect(await m.log.append('c', { n: 1 }, origin('t:0', 5))).toBeNull();
    // Lower positions are new changes too (a transaction that began earlier committed later).
    expect(await m.log.append('c', { n: 2 }, origin('t:0', 4))).not.toBeNull();
    expect(await m.log.append('c', { n: 3 }, origin('t:1', 5))).not.toBeNull();
    expect(await m.log.append('c', { n: 2 }, origin('t:0', 4))).toBeNull();
    const all = await m.log.read('c', `0-0.${(await m.log.now()).split('.')[1]}`, 10);
    expect(all.map((e) => e.event)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    // What each source remembers is bounded like the log: past it, the oldest is forgotten.
    for (let p = 10; p < 14; p++) await m.log.append('d', { p }, origin('t:0', p));
    expect(await m.log.append('d', { again: 5 }, origin('t:0', 5))).not.toBeNull();
    expect(await m.log.append('d', { again: 13 }, origin('t:0', 13))).toBeNull();
  });

  test('now() is a cursor after everything so far and before everything later', async () => {
    m = make();
    await m.log.append('c', { n: 1 }, null);
    const now = await m.log.now();
    await m.log.append('c', { n: 2 }, null);
    expect((await m.log.read('c', now, 10)).map((e) => e.event)).toEqual([{ n: 2 }]);
  });

  test('a cursor before trimmed history is CURSOR_EXPIRED; malformed or future cursors are BAD_USER_INPUT', async () => {
    m = make({ maxEvents: 3 });
    const first = await m.log.append('c', { n: 1 }, null);
    const second = await m.log.append('c', { n: 2 }, null);
    for (let n = 3; n <= 5; n++) await m.log.append('c', { n }, null);
    await expect(m.log.read('c', first!.cursor, 10)).rejects.toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', retainedMs: 60_000 } });
    // The newest trimmed event is a fine cursor: everything after it is still kept.
    expect((await m.log.read('c', second!.cursor, 10)).map((e) => e.event)).toEqual([{ n: 3 }, { n: 4 }, { n: 5 }]);
    await expect(m.log.read('c', 'nonsense', 10)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    const epoch = (await m.log.now()).split('.')[1];
    await expect(m.log.read('c', `99999999999999-0.${epoch}`, 10)).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    await expect(m.log.read('c', `1-0.someotherepoch`, 10)).rejects.toMatchObject({ extensions: { code: 'CURSOR_EXPIRED' } });
  });

  test('events older than the retention are trimmed', async () => {
    m = make({ retentionMs: 300 });
    const old = await m.log.append('c', { n: 1 }, null);
    await m.log.append('c', { n: 2 }, null);
    await sleep(400);
    await m.log.append('c', { n: 3 }, null);
    await expect(m.log.read('c', old!.cursor, 10)).rejects.toMatchObject({ extensions: { code: 'CURSOR_EXPIRED' } });
  });

  test('a feed replays after its cursor, then follows live: in order, no gap, no duplicate', async () => {
    m = make();
    const before = await m.log.append('c', { n: 0 }, null);
    for (let n = 1; n <= 450; n++) await m.log.append('c', { n }, null);
    const feed = drain(await openChangeFeed<{ n: number }>(m.log, 'c', before!.cursor));
    for (let n = 451; n <= 460; n++) await m.log.append('c', { n }, null);
    const got = await feed.until(460);
    await feed.stop();
    expect(got.map((e) => e.event.n)).toEqual(Array.from({ length: 460 }, (_v, i) => i + 1));
  });

  test('a feed without a cursor starts now; one with a bad cursor fails before it starts', async () => {
    m = make();
    await m.log.append('c', { n: 'old' }, null);
    const feed = drain(await openChangeFeed<{ n: string }>(m.log, 'c'));
    await m.log.append('c', { n: 'new' }, null);
    expect((await feed.until(1)).map((e) => e.event.n)).toEqual(['new']);
    await feed.stop();
    await expect(openChangeFeed(m.log, 'c', 'nonsense')).rejects.toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });

  test('a live event missed on the way is read back from the log when the next one shows the gap', async () => {
    m = make();
    // The real log, with its live leg dropping every third event (a lost pub/sub message).
    let count = 0;
    const lossy: ChangeLog = Object.assign(Object.create(m.log), {
      listen: (channel: string, onEvent: (e: LoggedEvent) => void, onResync: () => void) =>
        m.log.listen(channel, (e) => (++count % 3 ? onEvent(e) : undefined), onResync),
      read: m.log.read.bind(m.log),
      now: m.log.now.bind(m.log),
    });
    const feed = drain(await openChangeFeed<{ n: number }>(lossy, 'c'));
    for (let n = 1; n <= 31; n++) await m.log.append('c', { n }, null);
    const got = await feed.until(31);
    await feed.stop();
    expect(got.map((e) => e.event.n)).toEqual(Array.from({ length: 31 }, (_v, i) => i + 1));
  });

  test('ending a feed that waits for events returns at once', async () => {
    m = make();
    const feed = await openChangeFeed(m.log, 'quiet');
    const pending = feed.next();
    const ended = await Promise.race([feed.return!().then(() => 'ended'), sleep(2000).then(() => 'hung')]);
    expect(ended).toBe('ended');
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});

describe('the Redis change log under faults', () => {
  let bus: EventBus;
  let log: RedisChangeLog;
  const prefix = `log-fault:${randomBytes(4).toString('hex')}:`;
  beforeAll(() => {
    bus = createEventBus({ redisUrl: REDIS, prefix });
    log = new RedisChangeLog({ url: REDIS, prefix, bus, retention: { retentionMs: 60_000, maxEvents: 1000 } });
  });
  afterAll(async () => {
    await log.close();
    await bus.close();
  });

  test('when the subscriber connection is killed, a feed reads back what was published meanwhile', async () => {
    const feed = drain(await openChangeFeed<{ n: number }>(log, 'c'));
    await log.append('c', { n: 1 }, null);
    await feed.until(1);
    const admin = new Redis(REDIS);
    try {
      // Only this test's subscriber connection: other test files share the server.
      const clients = String(await admin.client('LIST', 'TYPE', 'pubsub')).split('\n');
      const ours = clients.find((line) => line.includes(` name=${prefix}bus-subscriber `));
      const id = /\bid=(\d+)/.exec(ours ?? '')?.[1];
      expect(id).toBeDefined();
      await admin.client('KILL', 'ID', id as string);
      // Appended while the live leg reconnects; nothing else is appended afterwards to reveal a gap.
      await log.append('c', { n: 2 }, null);
      await log.append('c', { n: 3 }, null);
      const got = await feed.until(3, 10_000);
      expect(got.map((e) => e.event.n)).toEqual([1, 2, 3]);
    } finally {
      admin.disconnect();
      await feed.stop();
    }
  });

  test('after the store is wiped, old cursors are CURSOR_EXPIRED rather than silently short', async () => {
    const kept = await log.append('wiped', { n: 1 }, null);
    const admin = new Redis(REDIS);
    try {
      const keys = await admin.keys(`${prefix}events:*`);
      await admin.del(...keys);
    } finally {
      admin.disconnect();
    }
    await log.append('wiped', { n: 2 }, null);
    await expect(log.read('wiped', kept!.cursor, 10)).rejects.toMatchObject({ extensions: { code: 'CURSOR_EXPIRED' } });
  });
});

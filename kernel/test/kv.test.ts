import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../kv/kv.ts';
import { MemoryKeyValueStore } from '../kv/memory.ts';
import { RedisKeyValueStore } from '../kv/redis.ts';

/** One contract, two stores: what `npm start` uses must behave like what production uses. */
const stores: [string, () => KeyValueStore][] = [
  ['memory', () => new MemoryKeyValueStore()],
  ['redis', () => new RedisKeyValueStore(process.env.REDIS_URL as string, `kv-test:${randomBytes(4).toString('hex')}:`)],
];

describe.each(stores)('the %s key-value store', (_name, make) => {
  let kv: KeyValueStore;
  beforeEach(() => {
    kv = make();
  });
  afterEach(() => kv.close());

  test('set then get returns the value, and a missing key is null', async () => {
    expect(await kv.set('a', '1', { ttlSeconds: 60 })).toBe(true);
    expect(await kv.get('a')).toBe('1');
    expect(await kv.get('missing')).toBeNull();
  });

  test('getMany reads several keys in order, missing ones as null', async () => {
    await kv.set('m1', 'one', { ttlSeconds: 60 });
    await kv.set('m3', 'three', { ttlSeconds: 60 });
    expect(await kv.getMany(['m1', 'm2', 'm3'])).toEqual(['one', null, 'three']);
    expect(await kv.getMany([])).toEqual([]);
  });

  test('onlyIfAbsent refuses to overwrite a live key', async () => {
    expect(await kv.set('once', 'first', { ttlSeconds: 60, onlyIfAbsent: true })).toBe(true);
    expect(await kv.set('once', 'second', { ttlSeconds: 60, onlyIfAbsent: true })).toBe(false);
    expect(await kv.get('once')).toBe('first');
  });

  test('take returns the value once and deletes it', async () => {
    await kv.set('token', 'user-1', { ttlSeconds: 60 });
    const [first, second] = await Promise.all([kv.take('token'), kv.take('token')]);
    expect([first, second].sort()).toEqual([null, 'user-1'].sort());
    expect(await kv.get('token')).toBeNull();
  });

  test('a key expires after its TTL', async () => {
    await kv.set('short', 'x', { ttlSeconds: 1 });
    expect(await kv.ttl('short')).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1100));
    expect(await kv.get('short')).toBeNull();
    expect(await kv.ttl('short')).toBe(0);
  });

  test('increment counts from 1 and keeps the window of the first increment', async () => {
    expect(await kv.increment('count', 100)).toBe(1);
    expect(await kv.increment('count', 5)).toBe(2);
    expect(await kv.ttl('count')).toBeGreaterThan(5);
    await kv.del('count');
    expect(await kv.get('count')).toBeNull();
  });
});

describe('a Redis store that cannot be reached', () => {
  test('answers SERVICE_UNAVAILABLE within about a second, with no internal text', async () => {
    const kv = new RedisKeyValueStore('redis://127.0.0.1:1', 'down:');
    const started = Date.now();
    const failure = await kv.get('x').catch((err: unknown) => err);
    expect(failure).toMatchObject({ message: 'The shared store is unavailable; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } });
    expect(Date.now() - started).toBeLessThan(3000);
    await kv.close();
  });
});

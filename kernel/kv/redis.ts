import { Redis } from 'ioredis';
import type { KeyValueStore } from './kv.ts';

/** The store shared by every replica: Redis, with every key under one prefix. */
export class RedisKeyValueStore implements KeyValueStore {
  readonly #redis: Redis;

  constructor(url: string, prefix: string) {
    this.#redis = new Redis(url, { keyPrefix: prefix, lazyConnect: false, maxRetriesPerRequest: 2 });
    // ioredis reconnects by itself; without a listener a refused connection would crash the process.
    this.#redis.on('error', () => {});
  }

  get(key: string) {
    return this.#redis.get(key);
  }

  async set(key: string, value: string, opts: { ttlSeconds: number; onlyIfAbsent?: boolean }) {
    const reply = opts.onlyIfAbsent
      ? await this.#redis.set(key, value, 'EX', opts.ttlSeconds, 'NX')
      : await this.#redis.set(key, value, 'EX', opts.ttlSeconds);
    return reply === 'OK';
  }

  take(key: string) {
    return this.#redis.getdel(key);
  }

  async del(key: string) {
    await this.#redis.del(key);
  }

  async increment(key: string, ttlSeconds: number) {
    // INCR and EXPIRE NX in one round trip: the window starts at the first increment only.
    const replies = await this.#redis.multi().incr(key).expire(key, ttlSeconds, 'NX').exec();
    const [err, count] = replies?.[0] ?? [new Error('empty reply')];
    if (err) throw err;
    return Number(count);
  }

  async ttl(key: string) {
    return Math.max(0, await this.#redis.ttl(key));
  }

  async ping() {
    await this.#redis.ping();
  }

  async close() {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

import { Redis } from 'ioredis';
import { serviceUnavailable } from '../errors.ts';
import type { KeyValueStore } from './kv.ts';

/** A command that has not answered by then fails: an outage must cost a client a second, not a hang. */
const COMMAND_TIMEOUT_MS = 800;

const unavailable = () => serviceUnavailable('The shared store is unavailable; try again shortly');

/** The store shared by every replica: Redis, with every key under one prefix. */
export class RedisKeyValueStore implements KeyValueStore {
  readonly #redis: Redis;

  constructor(url: string, prefix: string) {
    this.#redis = new Redis(url, { keyPrefix: prefix, lazyConnect: false, maxRetriesPerRequest: 1, commandTimeout: COMMAND_TIMEOUT_MS });
    // ioredis reconnects by itself; without a listener a refused connection would crash the process.
    this.#redis.on('error', () => {});
  }

  /** Runs one command; any failure of the store becomes SERVICE_UNAVAILABLE (never its internal text). */
  async #run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    try {
      return await command(this.#redis);
    } catch {
      throw unavailable();
    }
  }

  get(key: string) {
    return this.#run((r) => r.get(key));
  }

  getMany(keys: string[]) {
    return keys.length ? this.#run((r) => r.mget(keys)) : Promise.resolve([]);
  }

  set(key: string, value: string, opts: { ttlSeconds: number; onlyIfAbsent?: boolean }) {
    return this.#run(async (r) => {
      const reply = opts.onlyIfAbsent ? await r.set(key, value, 'EX', opts.ttlSeconds, 'NX') : await r.set(key, value, 'EX', opts.ttlSeconds);
      return reply === 'OK';
    });
  }

  take(key: string) {
    return this.#run((r) => r.getdel(key));
  }

  async del(key: string) {
    await this.#run((r) => r.del(key));
  }

  increment(key: string, ttlSeconds: number) {
    return this.#run(async (r) => {
      // INCR and EXPIRE NX in one round trip: the window starts at the first increment only.
      const replies = await r.multi().incr(key).expire(key, ttlSeconds, 'NX').exec();
      const [err, count] = replies?.[0] ?? [new Error('empty reply')];
      if (err) throw err;
      return Number(count);
    });
  }

  ttl(key: string) {
    return this.#run(async (r) => Math.max(0, await r.ttl(key)));
  }

  async ping() {
    await this.#run((r) => r.ping());
  }

  async close() {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

import type { KeyValueStore } from './kv.ts';

interface Entry {
  value: string;
  expiresAt: number;
}

/** An in-process store for a single `npm start` process; expired keys are dropped on read and by a sweep. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly #entries = new Map<string, Entry>();
  readonly #sweep = setInterval(() => this.#dropExpired(), 60_000).unref();

  #live(key: string): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #dropExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }

  async get(key: string) {
    return this.#live(key)?.value ?? null;
  }

  async getMany(keys: string[]) {
    return keys.map((key) => this.#live(key)?.value ?? null);
  }

  async set(key: string, value: string, opts: { ttlSeconds: number; onlyIfAbsent?: boolean }) {
    if (opts.onlyIfAbsent && this.#live(key)) return false;
    this.#entries.set(key, { value, expiresAt: Date.now() + opts.ttlSeconds * 1000 });
    return true;
  }

  async take(key: string) {
    const entry = this.#live(key);
    this.#entries.delete(key);
    return entry?.value ?? null;
  }

  async del(key: string) {
    this.#entries.delete(key);
  }

  async increment(key: string, ttlSeconds: number) {
    const entry = this.#live(key);
    const next = entry ? Number(entry.value) + 1 : 1;
    this.#entries.set(key, { value: String(next), expiresAt: entry?.expiresAt ?? Date.now() + ttlSeconds * 1000 });
    return next;
  }

  async ttl(key: string) {
    const entry = this.#live(key);
    return entry ? Math.ceil((entry.expiresAt - Date.now()) / 1000) : 0;
  }

  async ping() {}

  async close() {
    clearInterval(this.#sweep);
    this.#entries.clear();
  }
}

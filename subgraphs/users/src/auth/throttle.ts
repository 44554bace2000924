import type { KeyValueStore } from '../../../../kernel/kv/index.ts';
import { rateLimited } from '../../../../kernel/errors.ts';

/**
 * A failure budget kept in Redis counters: `check` refuses once a key has used it up,
 * `fail` spends one attempt, `clear` forgives after a success. Several keys (email and IP)
 * guard one action, so neither a single account nor a single address can be hammered.
 */
export class Throttle {
  readonly #kv: KeyValueStore;
  readonly #name: string;
  readonly #max: number;
  readonly #windowSeconds: number;

  constructor(kv: KeyValueStore, name: string, max: number, windowSeconds: number) {
    this.#kv = kv;
    this.#name = name;
    this.#max = max;
    this.#windowSeconds = windowSeconds;
  }

  #key(subject: string) {
    return `throttle:${this.#name}:${subject}`;
  }

  async check(subjects: string[]): Promise<void> {
    for (const subject of subjects) {
      const count = Number((await this.#kv.get(this.#key(subject))) ?? 0);
      if (count >= this.#max) throw rateLimited(await this.#kv.ttl(this.#key(subject)));
    }
  }

  async fail(subjects: string[]): Promise<void> {
    await Promise.all(subjects.map((s) => this.#kv.increment(this.#key(s), this.#windowSeconds)));
  }

  async clear(subject: string): Promise<void> {
    await this.#kv.del(this.#key(subject));
  }
}

import type { KeyValueStore } from '../../../../kernel/kv/index.ts';
import { rateLimited } from '../../../../kernel/errors.ts';

/**
 * A failure budget kept in Redis counters: `check` refuses once a subject (an email, an address,
 * a user) has used it up, `fail` spends one attempt, `clear` forgives after a success.
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

  async check(subject: string): Promise<void> {
    const count = Number((await this.#kv.get(this.#key(subject))) ?? 0);
    if (count >= this.#max) throw rateLimited(await this.#kv.ttl(this.#key(subject)));
  }

  async fail(subject: string): Promise<void> {
    await this.#kv.increment(this.#key(subject), this.#windowSeconds);
  }

  async clear(subject: string): Promise<void> {
    await this.#kv.del(this.#key(subject));
  }
}

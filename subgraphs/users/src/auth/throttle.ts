import { setTimeout as sleep } from 'node:timers/promises';
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

  /** Failures of `subject` in the current window. */
  async count(subject: string): Promise<number> {
    return Number((await this.#kv.get(this.#key(subject))) ?? 0);
  }

  async check(subject: string): Promise<void> {
    if ((await this.count(subject)) >= this.#max) throw rateLimited(await this.#kv.ttl(this.#key(subject)));
  }

  async fail(subject: string): Promise<void> {
    await this.#kv.increment(this.#key(subject), this.#windowSeconds);
  }

  async clear(subject: string): Promise<void> {
    await this.#kv.del(this.#key(subject));
  }
}

/** The users subgraph's sign-in settings that shape {@link loginBudget}. */
export interface LoginLimits {
  LOGIN_MAX_FAILURES: number;
  LOGIN_MAX_FAILURES_PER_IP: number;
  LOGIN_FAILURE_WINDOW: number;
}

/** Delay per failure past LOGIN_MAX_FAILURES, from every address together, and its ceiling. */
const SLOWDOWN_STEP_MS = 100;
const SLOWDOWN_MAX_MS = 2000;

/**
 * The budgets of one sign-in attempt. Refusals are per email *and* address (someone elsewhere
 * cannot use up the owner's attempts and lock them out) and per address (a sprayer trying many
 * emails). Failures for an email from all addresses together only slow its sign-ins down, by
 * {@link SLOWDOWN_STEP_MS} per failure past the limit, never refuse them.
 */
export function loginBudget(kv: KeyValueStore, limits: LoginLimits, email: string, ip: string | null) {
  const window = limits.LOGIN_FAILURE_WINDOW;
  // Emails hold no spaces, so "<address> <email>" cannot collide.
  const pairSubject = `${ip ?? 'unknown'} ${email}`;
  const pair = new Throttle(kv, 'login-email-address', limits.LOGIN_MAX_FAILURES, window);
  const address = ip ? new Throttle(kv, 'login-ip', limits.LOGIN_MAX_FAILURES_PER_IP, window) : null;
  const anywhere = new Throttle(kv, 'login-email-anywhere', Number.MAX_SAFE_INTEGER, window);
  return {
    async check(): Promise<void> {
      await Promise.all([pair.check(pairSubject), ip ? address?.check(ip) : undefined]);
      const over = (await anywhere.count(email)) - limits.LOGIN_MAX_FAILURES;
      if (over > 0) await sleep(Math.min(SLOWDOWN_MAX_MS, over * SLOWDOWN_STEP_MS));
    },
    async fail(): Promise<void> {
      await Promise.all([pair.fail(pairSubject), ip ? address?.fail(ip) : undefined, anywhere.fail(email)]);
    },
    /** A success forgives this address's failures for the email; the slow-down stays until its window ends. */
    clear: () => pair.clear(pairSubject),
  };
}

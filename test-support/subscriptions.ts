import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface EventResult {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, any> }[];
  /** performance.now() when the client received it, for latency measurements. */
  receivedAt?: number;
}

/** A graphql-ws client as a browser would use it, collecting what one subscription delivers. */
export class SubscriptionProbe {
  readonly results: EventResult[] = [];
  completed = false;
  closedWith: { code: number; reason: string } | undefined;
  readonly #client: Client;
  readonly #waiters: (() => void)[] = [];
  #dispose: (() => void) | undefined;

  constructor(gatewayUrl: string, opts: { token?: string; connectionParams?: Record<string, unknown> } = {}) {
    this.#client = createClient({
      url: gatewayUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: opts.connectionParams ?? (opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      retryAttempts: 0,
      lazy: true,
      on: {
        closed: (event) => {
          const e = event as { code: number; reason: string };
          this.closedWith = { code: e.code, reason: e.reason };
          this.#wake();
        },
      },
    });
  }

  #wake() {
    for (const w of this.#waiters.splice(0)) w();
  }

  subscribe(query: string, variables: Record<string, unknown> = {}): this {
    this.#dispose = this.#client.subscribe(
      { query, variables },
      {
        next: (result) => {
          this.results.push({ ...(result as EventResult), receivedAt: performance.now() });
          this.#wake();
        },
        error: (err) => {
          this.results.push({ errors: Array.isArray(err) ? err : [{ message: String((err as { reason?: string }).reason ?? err) }] });
          this.completed = true;
          this.#wake();
        },
        complete: () => {
          this.completed = true;
          this.#wake();
        },
      },
    );
    return this;
  }

  /** Resolves when `predicate` holds over the results so far; fails after `timeoutMs`. */
  async until(predicate: (results: EventResult[]) => boolean, timeoutMs = 10_000): Promise<EventResult[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.results)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.results).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.results;
  }

  async close(): Promise<void> {
    this.#dispose?.();
    await this.#client.dispose();
  }
}

/**
 * graphql-ws has no "subscribed" acknowledgement, so a test makes changes with `poke` until the
 * first event arrives; from then on the subscription is known to be in place.
 */
export async function untilLive(probe: SubscriptionProbe, poke: () => Promise<unknown>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (probe.results.length === 0) {
    if (Date.now() > deadline) throw new Error('the subscription never delivered an event');
    await poke();
    await probe.until((r) => r.length > 0, 500).catch(() => {});
  }
}

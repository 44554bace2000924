/**
 * A push-to-pull queue: producers `push` and `end`, the consumer iterates. `return()` from the
 * consumer (a client that leaves) runs `onReturn`, which releases whatever feeds the channel.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  readonly #items: T[] = [];
  readonly #waiting: ((r: IteratorResult<T>) => void)[] = [];
  #done = false;
  onReturn: () => void = () => {};

  /** Items pushed and not yet read. */
  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#done) return;
    const waiter = this.#waiting.shift();
    if (waiter) waiter({ value: item, done: false });
    else this.#items.push(item);
  }

  /** Ends after the items already pushed have been read. */
  end(): void {
    if (this.#done) return;
    this.#done = true;
    for (const waiter of this.#waiting.splice(0)) waiter({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T>> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async return(): Promise<IteratorResult<T>> {
    this.#items.length = 0;
    this.end();
    this.onReturn();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

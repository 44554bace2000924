import { randomBytes } from 'node:crypto';
import type { ChangeLog, EventOrigin, LoggedEvent, Retention } from './change-log.ts';
import { compareIds, cursorExpired, cursorFromTheFuture, formatCursor, parseCursor } from './cursor.ts';

interface Entry {
  id: string;
  prev: string | null;
  event: unknown;
}

interface Channel {
  entries: Entry[];
  /** The newest id trimmed away: a cursor before it points into lost history. */
  maxDeleted: string | null;
  listeners: Set<(event: LoggedEvent<unknown>) => void>;
}

/**
 * The change log of `npm start` without Redis: the same contract as the Redis one (one clock for
 * every channel, dedupe by origin, trimming by age and count), held in this process.
 */
export class MemoryChangeLog implements ChangeLog {
  readonly #epoch = randomBytes(8).toString('hex');
  readonly #retention: Retention;
  readonly #channels = new Map<string, Channel>();
  /** What each origin source (a topic partition) appended recently, oldest first, with when: trimmed like the channels. */
  readonly #sources = new Map<string, Map<string, number>>();
  #clockMs = 0;
  #clockSeq = 0;

  constructor(retention: Retention) {
    this.#retention = retention;
  }

  get retentionMs() {
    return this.#retention.retentionMs;
  }

  #channel(name: string): Channel {
    const known = this.#channels.get(name);
    if (known) return known;
    const channel: Channel = { entries: [], maxDeleted: null, listeners: new Set() };
    this.#channels.set(name, channel);
    return channel;
  }

  #tick(): string {
    const ms = Date.now();
    if (ms > this.#clockMs) [this.#clockMs, this.#clockSeq] = [ms, 0];
    else this.#clockSeq++;
    return `${this.#clockMs}-${this.#clockSeq}`;
  }

  async append<T extends object>(name: string, event: T, origin: EventOrigin | null): Promise<LoggedEvent<T> | null> {
    if (origin && this.#seen(origin)) return null;
    const channel = this.#channel(name);
    const id = this.#tick();
    const prev = channel.entries.at(-1)?.id ?? channel.maxDeleted;
    channel.entries.push({ id, prev, event });
    this.#trim(channel);
    const logged = { cursor: formatCursor(id, this.#epoch), prev: prev && formatCursor(prev, this.#epoch), event };
    for (const listener of channel.listeners) listener(logged);
    return logged;
  }

  /** Whether the origin's event was appended recently; records it when not. */
  #seen(origin: EventOrigin): boolean {
    const recent = this.#sources.get(origin.source) ?? new Map<string, number>();
    this.#sources.set(origin.source, recent);
    if (recent.has(origin.position)) return true;
    const now = Date.now();
    recent.set(origin.position, now);
    for (const [position, at] of recent) {
      if (recent.size <= this.#retention.maxEvents && at >= now - this.#retention.retentionMs) break;
      recent.delete(position);
    }
    return false;
  }

  #trim(channel: Channel): void {
    const oldest = `${this.#clockMs - this.#retention.retentionMs}-0`;
    let drop = 0;
    while (drop < channel.entries.length && (channel.entries.length - drop > this.#retention.maxEvents || compareIds((channel.entries[drop] as Entry).id, oldest) < 0)) drop++;
    if (!drop) return;
    channel.maxDeleted = (channel.entries[drop - 1] as Entry).id;
    channel.entries.splice(0, drop);
  }

  async now(): Promise<string> {
    return formatCursor(`${this.#clockMs}-${this.#clockSeq}`, this.#epoch);
  }

  async read<T>(name: string, after: string, limit: number): Promise<LoggedEvent<T>[]> {
    const cursor = parseCursor(after);
    if (cursor.epoch !== this.#epoch) throw cursorExpired(this.retentionMs);
    if (compareIds(cursor.id, `${this.#clockMs}-${this.#clockSeq}`) > 0) throw cursorFromTheFuture();
    const channel = this.#channels.get(name);
    if (!channel) return [];
    if (channel.maxDeleted && compareIds(cursor.id, channel.maxDeleted) < 0) throw cursorExpired(this.retentionMs);
    // Binary search for the first entry after the cursor.
    let [lo, hi] = [0, channel.entries.length];
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareIds((channel.entries[mid] as Entry).id, cursor.id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return channel.entries.slice(lo, lo + limit).map((e) => ({
      cursor: formatCursor(e.id, this.#epoch),
      prev: e.prev && formatCursor(e.prev, this.#epoch),
      event: e.event as T,
    }));
  }

  async listen<T>(name: string, onEvent: (event: LoggedEvent<T>) => void): Promise<() => void> {
    const listeners = this.#channel(name).listeners;
    const listener = (event: LoggedEvent<unknown>) => onEvent(event as LoggedEvent<T>);
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

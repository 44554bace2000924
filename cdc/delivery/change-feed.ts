import type { ChangeLog, LoggedEvent } from './change-log.ts';
import { compareIds, parseCursor } from './cursor.ts';

/** Events read from the log per round trip while catching up. */
const PAGE = 200;
/** Live events held while a feed catches up; past it they are dropped and read from the log instead. */
const MAX_HELD = 1000;

const idOf = (cursor: string) => parseCursor(cursor).id;
const after = (a: string, b: string) => compareIds(idOf(a), idOf(b)) > 0;

/**
 * One subscriber's view of a channel: every event after `from` (a cursor the client kept, or this
 * moment), in order, once each, then the live tail. Live events arrive over pub/sub and are checked
 * against the log: one whose `prev` the feed has not seen means some were missed (a lost
 * connection), and they are read back from the log before it. Validates `from` before resolving,
 * so a bad or expired cursor is the subscription's error, not a broken stream.
 */
export async function openChangeFeed<T>(log: ChangeLog, channel: string, from?: string | null): Promise<AsyncIterableIterator<LoggedEvent<T>>> {
  let last = from ?? (await log.now());
  const held: LoggedEvent<T>[] = [];
  let catchUp = true;
  let closed = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const unlisten = await log.listen<T>(
    channel,
    (event) => {
      if (held.length < MAX_HELD) held.push(event);
      else [held.length, catchUp] = [0, true];
      signal();
    },
    () => {
      catchUp = true;
      signal();
    },
  );
  let listening = true;
  const stop = () => {
    if (listening) unlisten();
    listening = false;
  };
  // Listening before the first read: what is appended in between is held, and duplicates are skipped by cursor.
  let first: LoggedEvent<T>[];
  try {
    first = await log.read<T>(channel, last, PAGE);
  } catch (err) {
    stop();
    throw err;
  }

  async function* feed(): AsyncGenerator<LoggedEvent<T>> {
    let page: LoggedEvent<T>[] | undefined = first;
    try {
      while (!closed) {
        if (catchUp) {
          catchUp = false;
          // Read the log to its end: everything after `last`, whatever pub/sub carried or lost meanwhile.
          for (;;) {
            page ??= await log.read<T>(channel, last, PAGE);
            for (const event of page) {
              yield event;
              last = event.cursor;
            }
            if (page.length < PAGE || closed) break;
            page = undefined;
          }
          page = undefined;
          continue;
        }
        const event = held.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        if (!after(event.cursor, last)) continue;
        if (event.prev && after(event.prev, last)) {
          // A gap: the events between were published while this feed was not listening.
          held.unshift(event);
          catchUp = true;
          continue;
        }
        yield event;
        last = event.cursor;
      }
    } finally {
      stop();
    }
  }

  const events = feed();
  const iterator: AsyncIterableIterator<LoggedEvent<T>> = {
    next: () => events.next(),
    // Ending a subscription must not wait for the next event: stop listening, wake the feed, then end it.
    async return() {
      closed = true;
      stop();
      signal();
      return events.return(undefined);
    },
    async throw(error: unknown) {
      closed = true;
      stop();
      signal();
      return events.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}

import { AppError, badInput } from '../../kernel/errors.ts';

/**
 * A position in the event history: `<ms>-<seq>` (a Redis stream id, ordered across every channel)
 * and the history's epoch, which changes when the store is reset, so a cursor into lost history is
 * recognised instead of silently skipping what it pointed at. Clients treat it as opaque text.
 */
export interface Cursor {
  id: string;
  epoch: string;
}

const CURSOR = /^(\d{1,15})-(\d{1,15})\.([a-z0-9]{8,32})$/;

export const formatCursor = (id: string, epoch: string) => `${id}.${epoch}`;

/** Parses an `after` argument; anything this API did not give out is BAD_USER_INPUT. */
export function parseCursor(text: string, argument = 'after'): Cursor {
  const match = CURSOR.exec(text);
  if (!match) throw badInput([{ path: argument, message: 'not a cursor this API gave out (use an event `sequence` or `eventCursor`)' }]);
  return { id: `${match[1]}-${match[2]}`, epoch: match[3] as string };
}

/** Orders two `<ms>-<seq>` ids: negative, zero or positive. */
export function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

/** The history after the cursor is no longer kept (trimmed, or the store was reset): the client must refetch. */
export const cursorExpired = (retentionMs: number) =>
  new AppError(
    'CURSOR_EXPIRED',
    'Events after this cursor are no longer kept: refetch the current state, then subscribe again without `after` (or with a fresh `eventCursor`)',
    { retainedMs: retentionMs },
  );

export const cursorFromTheFuture = (argument = 'after') =>
  badInput([{ path: argument, message: 'this cursor is ahead of every event so far; it was not given out by this API' }]);

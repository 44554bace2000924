import type { Identity } from './auth.ts';
import { AppError, serviceUnavailable } from './errors.ts';
import type { KeyValueStore } from './kv/index.ts';
import type { EventBus } from './pubsub.ts';

/**
 * Ended sessions and revoked API keys at the edge. PostgreSQL (the users subgraph's sessions and
 * keys) is the source of truth; the shared store holds the recent ones so the gateway refuses their
 * still-unexpired tokens at once, and a bus message tells open sockets to close. The store is a
 * cache: after a Redis restart or flush the users subgraph rebuilds it from PostgreSQL, and until
 * it has (no {@link COMPLETE} marker) every check fails closed with 503, never revives a session.
 */
const key = (sessionId: string) => `revoked-session:${sessionId}`;
/** Present while the store holds every revocation the tokens in circulation could need. */
export const COMPLETE = 'revocations:complete';
/** The bus channel on which each revocation is announced to the gateways' open sockets. */
export const REVOCATIONS_CHANNEL = 'revocations';

/** Why a session ended; a disabled account is refused (FORBIDDEN), everything else must sign in again. */
export type RevocationReason =
  | 'logout'
  | 'logout_everywhere'
  | 'revoked_by_user'
  | 'refresh_reuse'
  | 'session_limit'
  | 'password_changed'
  | 'password_reset'
  | 'account_disabled'
  | 'roles_changed'
  | 'api_key_revoked';

export interface Revocation {
  /** Session ids, or API key ids (a partner token's session is its key). */
  ids: string[];
  reason: RevocationReason;
  /** Tokens signed at or before this second end; later ones (a key re-exchanged after a role change) live. */
  at: number;
}

/** Records revocations in the store (as long as the longest token they cover) and announces them. */
export async function markRevoked(
  kv: KeyValueStore,
  bus: EventBus | null,
  revocation: Omit<Revocation, 'at'> & { at?: number; ttlSeconds: number },
): Promise<void> {
  if (!revocation.ids.length) return;
  const at = revocation.at ?? Math.floor(Date.now() / 1000);
  await Promise.all(revocation.ids.map((id) => kv.set(key(id), `${at}:${revocation.reason}`, { ttlSeconds: revocation.ttlSeconds })));
  // The announcement only hurries the gateways; their sweep finds the entry anyway if it is lost.
  await bus?.publish(REVOCATIONS_CHANNEL, { ids: revocation.ids, reason: revocation.reason, at } satisfies Revocation).catch(() => {});
}

const parse = (value: string | null): { at: number; reason: RevocationReason } | null => {
  if (value === null) return null;
  const colon = value.indexOf(':');
  // Entries written before reasons existed held '1': treat them as ending everything before now.
  if (colon < 0) return { at: Number.MAX_SAFE_INTEGER, reason: 'logout' };
  return { at: Number(value.slice(0, colon)), reason: value.slice(colon + 1) as RevocationReason };
};

/** The client-facing error for a token that a revocation ended. */
export function revokedError(reason: RevocationReason, client: Identity['client']): AppError {
  if (reason === 'account_disabled') return new AppError('FORBIDDEN', 'This account is disabled');
  if (client === 'partner') return new AppError('UNAUTHENTICATED', 'API key revoked');
  if (reason === 'roles_changed') return new AppError('UNAUTHENTICATED', 'Your roles changed; sign in again');
  return new AppError('UNAUTHENTICATED', 'Session has ended; sign in again');
}

/** Whether a revocation entry ends this identity's token. */
export const ends = (revocation: Pick<Revocation, 'at'>, identity: Identity) => identity.issuedAt <= revocation.at;

/**
 * The revocations that end any of these identities, in one round trip; throws SERVICE_UNAVAILABLE
 * when the store is down or still being rebuilt.
 */
export async function revocationsOf(kv: KeyValueStore, identities: Identity[]): Promise<(Revocation | null)[]> {
  const [complete, ...values] = await kv.getMany([COMPLETE, ...identities.map((i) => key(i.sessionId))]);
  if (complete === null) throw serviceUnavailable('Session checks are being restored; try again in a few seconds', 5);
  return values.map((value, i) => {
    const entry = parse(value ?? null);
    const identity = identities[i] as Identity;
    return entry && ends(entry, identity) ? { ids: [identity.sessionId], ...entry } : null;
  });
}

/** Refuses an identity whose session (or API key) has ended: the one check every entry point makes. */
export async function assertLive(kv: KeyValueStore, identity: Identity): Promise<Identity> {
  const [revocation] = await revocationsOf(kv, [identity]);
  if (revocation) throw revokedError(revocation.reason, identity.client);
  return identity;
}

/** Declares the store complete (after a rebuild); it stays so until the store is flushed or restarted. */
export const markComplete = (kv: KeyValueStore) => kv.set(COMPLETE, new Date().toISOString(), { ttlSeconds: 10 * 365 * 86_400 });

/** True while the store holds the marker (no rebuild needed). */
export const isComplete = async (kv: KeyValueStore) => (await kv.get(COMPLETE)) !== null;

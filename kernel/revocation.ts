import type { Identity } from './auth.ts';
import { unauthenticated } from './errors.ts';
import type { KeyValueStore } from './kv/index.ts';

/**
 * Ended sessions (and revoked API keys), shared through the key-value store so the gateway refuses
 * their still-unexpired access tokens at once, not only the users subgraph. An entry lives as long
 * as the longest token it could cover.
 */
const key = (sessionId: string) => `revoked-session:${sessionId}`;

export async function markRevoked(kv: KeyValueStore, sessionIds: string[], ttlSeconds: number): Promise<void> {
  await Promise.all(sessionIds.map((id) => kv.set(key(id), '1', { ttlSeconds })));
}

export async function isRevoked(kv: KeyValueStore, sessionId: string): Promise<boolean> {
  return (await kv.get(key(sessionId))) !== null;
}

/** Refuses an identity whose session (or API key) has ended: the one check every entry point makes. */
export async function assertLive(kv: KeyValueStore, identity: Identity): Promise<Identity> {
  if (await isRevoked(kv, identity.sessionId)) {
    throw unauthenticated(identity.client === 'partner' ? 'API key revoked' : 'Session has ended; sign in again');
  }
  return identity;
}

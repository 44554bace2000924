import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
import type { Identity, TokenVerifier } from '../../kernel/auth.ts';
import { serviceUnavailable, unauthenticated } from '../../kernel/errors.ts';
import { ExpiringLru } from './lru.ts';

/** Tuning of {@link apiKeyAuthenticator}; every field has a default. */
export interface ApiKeyOptions {
  /** Added to every exchange request's headers (the gateway's internal credential). */
  headers?: () => Record<string, string>;
  /** How long a key the users subgraph refused is refused here without asking again. @default 60_000 */
  unknownTtlMs?: number;
  /** Entries in each cache, known keys and unknown ones. @default 10_000 */
  maxEntries?: number;
  /** Deadline of one exchange. @default 5000 */
  timeoutMs?: number;
}

/** The users subgraph's key format (api-key.service.ts): anything else cannot be a key, so is never sent there. */
const KEY_SHAPE = /^atr_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$/;
/** A cached token is traded again this long before it expires. */
const REFRESH_MARGIN_MS = 10_000;

const refused = () => unauthenticated('Invalid or revoked API key');
const outage = () => serviceUnavailable('API keys cannot be checked right now; try again shortly');
const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Turns an `X-API-Key` into an identity: the users subgraph trades the key for a short-lived
 * partner token, cached here until shortly before it expires, so a key costs one exchange a minute
 * and a revoked key stops working within that minute. Keys it refused are remembered as unknown
 * for a while and concurrent lookups of one key share one exchange, so repeating a bad key does not
 * reach the users subgraph; both caches are bounded LRUs keyed by the key's SHA-256. When the users
 * subgraph cannot answer (network error, timeout, 5xx) this throws SERVICE_UNAVAILABLE, never a 401
 * that would make a partner drop a good key.
 */
export function apiKeyAuthenticator(exchangeUrl: string, verify: TokenVerifier, opts: ApiKeyOptions = {}) {
  const maxEntries = opts.maxEntries ?? 10_000;
  const known = new ExpiringLru<Identity>({ maxEntries, ttlMs: 60_000 });
  const unknown = new ExpiringLru<true>({ maxEntries, ttlMs: opts.unknownTtlMs ?? 60_000 });
  const inFlight = new Map<string, Promise<Identity>>();

  const exchange = async (key: string, cacheKey: string): Promise<Identity> => {
    let res: Response;
    try {
      res = await fetch(exchangeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers?.() },
        body: JSON.stringify({ key }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
      });
    } catch {
      throw outage();
    }
    if (res.status === 401) {
      unknown.set(cacheKey, true);
      throw refused();
    }
    if (!res.ok) throw outage();
    const body = (await res.json().catch(() => null)) as { accessToken?: unknown } | null;
    if (typeof body?.accessToken !== 'string') throw outage();
    let identity: Identity;
    try {
      identity = await verify(body.accessToken);
    } catch (err) {
      // A token the users subgraph just minted fails only when its keys cannot be fetched: an outage too.
      throw err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED' ? err : outage();
    }
    known.set(cacheKey, identity, identity.expiresAt * 1000 - Date.now() - REFRESH_MARGIN_MS);
    return identity;
  };

  /** `beforeExchange` runs only when the users subgraph must be asked (no cached answer), and may refuse. */
  return async (key: string, beforeExchange?: () => Promise<void>): Promise<Identity> => {
    if (!KEY_SHAPE.test(key.trim())) throw refused();
    const cacheKey = sha256(key);
    const cached = known.get(cacheKey);
    if (cached) return cached;
    if (unknown.get(cacheKey)) throw refused();
    let pending = inFlight.get(cacheKey);
    if (!pending) {
      // Registered before any await, so concurrent lookups of one key share this one exchange.
      pending = (async () => {
        await beforeExchange?.();
        return exchange(key, cacheKey);
      })().finally(() => inFlight.delete(cacheKey));
      inFlight.set(cacheKey, pending);
    }
    return pending;
  };
}

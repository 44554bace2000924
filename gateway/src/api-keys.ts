import { createHash } from 'node:crypto';
import { unauthenticated } from '../../kernel/errors.ts';
import type { Identity, TokenVerifier } from '../../kernel/auth.ts';

/**
 * Turns an `X-API-Key` into an identity: the users subgraph trades the key for a short-lived
 * partner token, cached here until shortly before it expires, so a key costs one exchange a minute
 * and a revoked key stops working within that minute.
 */
export function apiKeyAuthenticator(
  exchangeUrl: string,
  verify: TokenVerifier,
  /** `headers` are added to every exchange request (the gateway's internal credential). */
  opts: { headers?: () => Record<string, string> } = {},
) {
  const cache = new Map<string, Identity>();
  return async (key: string): Promise<Identity> => {
    const cacheKey = createHash('sha256').update(key).digest('hex');
    const cached = cache.get(cacheKey);
    if (cached && cached.expiresAt * 1000 - Date.now() > 10_000) return cached;
    cache.delete(cacheKey);
    const res = await fetch(exchangeUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers?.() },
      body: JSON.stringify({ key }),
      signal: AbortSignal.timeout(5000),
    });
    if (res.status === 401) throw unauthenticated('Invalid or revoked API key');
    if (!res.ok) throw new Error(`API key exchange answered ${res.status}`);
    const { accessToken } = (await res.json()) as { accessToken: string };
    const identity = await verify(accessToken);
    if (cache.size > 10_000) cache.clear();
    cache.set(cacheKey, identity);
    return identity;
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { isComplete, markComplete, markRevoked, type RevocationReason } from '../../../../kernel/revocation.ts';
import { ApiKey } from '../api-key/api-key.entity.ts';
import type { UsersDeps } from '../context.ts';
import { Session } from './session.entity.ts';

/** How often the shared store is checked for a flush or restart that lost its revocations. */
const CHECK_EVERY_MS = 2000;

/**
 * Writes every revocation that could still matter (a token signed before it may still be
 * unexpired) from PostgreSQL back into the shared store, then marks the store complete. Until then
 * the gateway fails closed (503), so a Redis restart never revives a revoked session.
 */
export async function rebuildRevocations(deps: UsersDeps, em: EntityManager): Promise<number> {
  const { config, kv } = deps;
  const now = Date.now();
  const write = async (ids: string[], reason: RevocationReason, revokedAt: Date, lifetime: number) => {
    const ttlSeconds = Math.ceil(lifetime - (now - revokedAt.getTime()) / 1000);
    if (ttlSeconds > 0) await markRevoked(kv, null, { ids, reason, at: Math.floor(revokedAt.getTime() / 1000), ttlSeconds });
  };
  const sessions = await em.find(
    Session,
    { revokedAt: { $gt: new Date(now - config.ACCESS_TOKEN_TTL * 1000) } },
    { fields: ['id', 'revokedAt', 'revokedReason'] },
  );
  const keys = await em.find(ApiKey, { revokedAt: { $gt: new Date(now - config.API_KEY_TOKEN_TTL * 1000) } }, { fields: ['id', 'revokedAt'] });
  await Promise.all([
    ...sessions.map((s) => write([s.id], (s.revokedReason ?? 'logout') as RevocationReason, s.revokedAt as Date, config.ACCESS_TOKEN_TTL)),
    ...keys.map((k) => write([k.id], 'api_key_revoked', k.revokedAt as Date, config.API_KEY_TOKEN_TTL)),
  ]);
  await markComplete(kv);
  return sessions.length + keys.length;
}

/** Rebuilds at start, then whenever the marker is gone; a failed round is retried at the next tick. */
export async function keepRevocationsComplete(deps: UsersDeps): Promise<{ stop(): void }> {
  const log = deps.logger.child({ component: 'revocations' });
  let running = false;
  const check = async () => {
    if (running) return;
    running = true;
    try {
      if (await isComplete(deps.kv)) return;
      const restored = await rebuildRevocations(deps, deps.orm.em.fork() as EntityManager);
      log.info({ restored }, 'revocations restored into the shared store from PostgreSQL');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'could not restore revocations; the gateway refuses tokens until it can');
    } finally {
      running = false;
    }
  };
  await check();
  const timer = setInterval(check, CHECK_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

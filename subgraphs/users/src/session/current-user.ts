import { requireIdentity } from '../../../../kernel/auth.ts';
import { unauthenticated } from '../../../../kernel/errors.ts';
import type { UsersContext } from '../context.ts';
import type { User } from '../user/user.entity.ts';
import { ApiKey } from '../api-key/api-key.entity.ts';
import { Session } from './session.entity.ts';

/**
 * The signed-in user, checked against the database: a valid token whose session was revoked
 * (logout, password reset, a disabled account) is refused here, before its 15 minutes run out.
 */
export function currentUser(ctx: UsersContext): Promise<{ user: User; session: Session | null }> {
  ctx.signedIn ??= (async () => {
    const identity = requireIdentity(ctx.identity);
    if (identity.client === 'partner') {
      // A partner token names its API key: it must still be live, and so must its owner.
      const key = await ctx.em.findOne(ApiKey, { id: identity.sessionId, revokedAt: null }, { populate: ['user'] });
      if (!key || key.user.id !== identity.userId || key.user.disabledAt) throw unauthenticated('API key revoked');
      return { user: key.user, session: null };
    }
    const session = await ctx.em.findOne(Session, { id: identity.sessionId }, { populate: ['user'] });
    const user = session?.user;
    if (!session || !user || user.id !== identity.userId || !session.isActive() || user.disabledAt) {
      throw unauthenticated('Session has ended; sign in again');
    }
    return { user, session };
  })();
  return ctx.signedIn;
}

import { requireIdentity } from '../../../../kernel/auth.ts';
import { unauthenticated } from '../../../../kernel/errors.ts';
import type { UsersContext } from '../context.ts';
import type { User } from '../user/user.entity.ts';
import { Session } from './session.entity.ts';

/**
 * The signed-in user, checked against the database: a valid token whose session was revoked
 * (logout, password reset, a disabled account) is refused here, before its 15 minutes run out.
 */
export function currentUser(ctx: UsersContext): Promise<{ user: User; session: Session }> {
  ctx.signedIn ??= (async () => {
    const identity = requireIdentity(ctx.identity);
    const session = await ctx.em.findOne(Session, { id: identity.sessionId }, { populate: ['user'] });
    const user = session?.user;
    if (!session || !user || user.id !== identity.userId || !session.isActive() || user.disabledAt) {
      throw unauthenticated('Session has ended; sign in again');
    }
    return { user, session };
  })();
  return ctx.signedIn;
}

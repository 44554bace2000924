import { isIP } from 'node:net';
import type { Request } from 'express';
import { accessTokenFrom, type Identity, type TokenVerifier } from './auth.ts';

/** The caller as a subgraph sees it: the gateway forwards the token, and the subgraph verifies it again. */
export async function identityFromRequest(req: Pick<Request, 'headers'>, verify: TokenVerifier): Promise<Identity | null> {
  const found = accessTokenFrom(req.headers);
  return found ? verify(found.token) : null;
}

/** The same for a graphql-ws `connection_init` payload, where the gateway puts `authorization`. */
export const identityFromConnectionParams = (params: Record<string, unknown>, verify: TokenVerifier) =>
  identityFromRequest({ headers: { authorization: typeof params.authorization === 'string' ? params.authorization : undefined } }, verify);

/** The end user's address and device, as the gateway forwarded them. */
export function clientFromRequest(req: Request): { ip: string | null; userAgent: string | null } {
  return { ip: req.ip && isIP(req.ip) ? req.ip : null, userAgent: req.get('user-agent')?.slice(0, 512) ?? null };
}

import type { Response } from 'express';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../../../../kernel/auth.ts';

/**
 * Sign-in answers twice: in the body and as HttpOnly cookies (the gateway passes Set-Cookie and
 * X-Auth-Token through), so a browser never has to store a token where scripts can read it.
 */
export function setAuthCookies(
  res: Response,
  tokens: { accessToken: string; refreshToken: string; expiresIn: number; refreshExpiresIn: number },
  secure: boolean,
): void {
  res.cookie(ACCESS_COOKIE, tokens.accessToken, {
    httpOnly: true,
    secure,
    sameSite: 'lax',
    path: '/',
    maxAge: tokens.expiresIn * 1000,
  });
  // Only /graphql ever needs the refresh token, so it is sent nowhere else.
  res.cookie(REFRESH_COOKIE, tokens.refreshToken, {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: '/graphql',
    maxAge: tokens.refreshExpiresIn * 1000,
  });
  res.setHeader('X-Auth-Token', tokens.accessToken);
}

export function clearAuthCookies(res: Response, secure: boolean): void {
  res.clearCookie(ACCESS_COOKIE, { httpOnly: true, secure, sameSite: 'lax', path: '/' });
  res.clearCookie(REFRESH_COOKIE, { httpOnly: true, secure, sameSite: 'strict', path: '/graphql' });
}

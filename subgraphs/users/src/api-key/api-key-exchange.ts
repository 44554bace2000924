import express from 'express';
import { signAccessToken } from '../auth/tokens.ts';
import type { UsersDeps } from '../context.ts';
import { findKeyBySecret, touchKey } from './api-key.service.ts';

/**
 * `POST /internal/api-keys/token {"key": "..."}`: the gateway trades a partner's API key for a
 * short-lived access token (client `partner`), which then travels like any other token. It grants
 * nothing the key itself does not, so it needs no further protection.
 */
export function mountApiKeyExchange(app: express.Express, deps: UsersDeps): void {
  app.post('/internal/api-keys/token', express.json({ limit: '4kb' }), async (req, res) => {
    const secret = typeof req.body?.key === 'string' ? req.body.key : '';
    const em = deps.orm.em.fork();
    const key = secret ? await findKeyBySecret(em, secret) : null;
    if (!key || key.user.disabledAt) {
      res.status(401).json({ error: 'invalid or revoked API key' });
      return;
    }
    await touchKey(em, key);
    const { config } = deps;
    const accessToken = await signAccessToken(
      deps.keys,
      { userId: key.user.id, sessionId: key.id, roles: key.user.roles, client: 'partner' },
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.API_KEY_TOKEN_TTL },
    );
    res.json({ accessToken, expiresIn: config.API_KEY_TOKEN_TTL });
  });
}

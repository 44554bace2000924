import express from 'express';
import { calculateJwkThumbprint, exportJWK, importPKCS8, SignJWT, type JWK } from 'jose';
import { createTokenVerifier, JWT_ALG } from '../auth.ts';
import { listen } from '../http.ts';
import { generateSigningKey } from '../../dev/dev-keys.ts';

/** A signing key as the users subgraph holds it, and its public JWK as it publishes it. */
async function makeKey() {
  const { privateKey } = generateSigningKey();
  const key = await importPKCS8(privateKey, JWT_ALG, { extractable: true });
  const { d: _private, ...publicJwk } = await exportJWK(key);
  const kid = await calculateJwkThumbprint(publicJwk);
  const sign = (claims: { sub?: string; exp?: string; aud?: string } = {}) =>
    new SignJWT({ sid: '11111111-1111-4111-8111-111111111111', roles: ['user'] })
      .setProtectedHeader({ alg: JWT_ALG, kid })
      .setSubject(claims.sub ?? 'user-1')
      .setIssuer('atrium')
      .setAudience(claims.aud ?? 'atrium')
      .setIssuedAt()
      .setExpirationTime(claims.exp ?? '5m')
      .sign(key);
  return { jwk: { ...publicJwk, kid, alg: JWT_ALG, use: 'sig' } as JWK, sign };
}

describe('access token verification against a JWKS endpoint', () => {
  let published: JWK[] = [];
  let fetches = 0;
  let server: Awaited<ReturnType<typeof listen>>;
  beforeAll(async () => {
    const app = express();
    app.get('/jwks.json', (_req, res) => {
      fetches++;
      res.json({ keys: published });
    });
    server = await listen(app, 0, '127.0.0.1');
  });
  afterAll(() => server.stop());

  const verifier = () =>
    createTokenVerifier({ jwksUrl: `${server.url}/jwks.json`, issuer: 'atrium', audience: 'atrium', refetchCooldownMs: 500 });

  test('the key set is fetched once and cached across many verifications', async () => {
    const a = await makeKey();
    published = [a.jwk];
    fetches = 0;
    const verify = verifier();
    for (let i = 0; i < 20; i++) expect((await verify(await a.sign())).userId).toBe('user-1');
    expect(fetches).toBe(1);
  });

  test('after a rotation, a token with the new kid makes the verifier refetch and succeed', async () => {
    const a = await makeKey();
    const b = await makeKey();
    published = [a.jwk];
    const verify = verifier();
    await verify(await a.sign());
    published = [b.jwk, a.jwk];
    fetches = 0;
    // jose refetches on an unknown kid only once its cooldown has passed; wait it out rather than mock time.
    await new Promise((r) => setTimeout(r, 600));
    expect((await verify(await b.sign({ sub: 'user-2' }))).userId).toBe('user-2');
    expect((await verify(await a.sign())).userId).toBe('user-1');
    expect(fetches).toBe(1);
  });

  test('expired, foreign-audience and unknown-key tokens answer UNAUTHENTICATED', async () => {
    const a = await makeKey();
    const stranger = await makeKey();
    published = [a.jwk];
    const verify = verifier();
    await expect(verify(await a.sign({ exp: '-1s' }))).rejects.toMatchObject({ message: 'Access token expired', extensions: { code: 'UNAUTHENTICATED' } });
    await expect(verify(await a.sign({ aud: 'elsewhere' }))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(verify(await stranger.sign())).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(verify('not.a.jwt')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});

import { AUTH_FIELDS, register } from '../../../test-support/journeys.ts';
import { startSystem, type System } from '../../../test-support/system.ts';
import { parseRefreshToken } from '../src/auth/tokens.ts';

const REFRESH = `mutation($t: String) { refreshSession(refreshToken: $t) { ${AUTH_FIELDS} } }`;

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.stop());

describe('refresh token rotation', () => {
  test('of two concurrent refreshes with one token exactly one wins, and the session then ends', async () => {
    const auth = await register(system, 'race@example.com');
    // Sent straight to the users subgraph, concurrently, so both pass the read before either writes.
    const send = () =>
      fetch(system.users.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...system.internalHeaders() },
        body: JSON.stringify({ query: REFRESH, variables: { t: auth.refreshToken } }),
      }).then((r) => r.json() as Promise<{ data?: any; errors?: any[] }>);
    const results = await Promise.all([send(), send(), send()]);
    const winners = results.filter((r) => r.data?.refreshSession);
    expect(winners).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED')).toHaveLength(2);
    // A replay was seen, so even the winner's new token is dead.
    const after = await system.client().request(REFRESH, { t: winners[0]?.data.refreshSession.refreshToken });
    expect(after.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  test('knowing a session id is not enough to end it: forged refresh tokens and cookies are only refused', async () => {
    const auth = await register(system, 'victim@example.com');
    const rotated = (await system.client().ok<{ refreshSession: { refreshToken: string } }>(REFRESH, { t: auth.refreshToken })).refreshSession;
    const sessionId = rotated.refreshToken.split('.')[0];
    const forged = `${sessionId}.0.${'A'.repeat(43)}`; // an older generation, wrong secret
    expect((await system.client().request(REFRESH, { t: forged })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const browser = system.client();
    browser.cookies.set('atrium_refresh', `${sessionId}.1.${'B'.repeat(43)}`);
    await browser.ok('mutation { logout }');
    // The victim's session survived both: its current token still refreshes.
    const next = await system.client().request(REFRESH, { t: rotated.refreshToken });
    expect(next.errors).toBeUndefined();
  });

  test('tokens that are not ours never reach the database as a cast error', async () => {
    for (const t of ['', 'abc', 'x.y.z', `${'0'.repeat(36)}.1.${'a'.repeat(43)}`]) {
      const result = await system.client().request(REFRESH, { t });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  test('the token names its session and generation, and the secret carries 256 bits', () => {
    const parsed = parseRefreshToken(`${'1'.repeat(8)}-1111-4111-8111-${'1'.repeat(12)}.3.${'A'.repeat(43)}`);
    expect(parsed).toEqual({ sessionId: '11111111-1111-4111-8111-111111111111', generation: 3, secret: 'A'.repeat(43) });
    expect(parseRefreshToken('11111111-1111-4111-8111-111111111111.3.short')).toBeUndefined();
  });
});

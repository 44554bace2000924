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
        headers: { 'content-type': 'application/json' },
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

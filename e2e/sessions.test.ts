import { codeOf } from '../test-support/graphql-client.ts';
import { AUTH_FIELDS, login, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

const REFRESH = `mutation($t: String) { refreshSession(refreshToken: $t) { ${AUTH_FIELDS} } }`;
const SESSIONS = '{ sessions { id userAgent ip current } }';

let system: System;
beforeAll(async () => {
  system = await startSystem({ MAX_SESSIONS: '3', LOGIN_MAX_FAILURES: '4' });
  await register(system, 'sam@example.com', 'sam password 1');
});
afterAll(() => system.stop());

describe('sign-in and sessions through the gateway', () => {
  test('a wrong password and an unknown email answer exactly the same', async () => {
    const wrong = await login(system, 'sam@example.com', 'not the password');
    const unknown = await login(system, 'nobody@example.com', 'not the password');
    expect(wrong.errors).toEqual(unknown.errors);
    expect(codeOf(wrong)).toBe('UNAUTHENTICATED');
  });

  test('refresh rotates the token pair and the old refresh token stops working', async () => {
    const first = (await login(system, 'sam@example.com', 'sam password 1')).data!.login;
    const second = (await system.client().ok<{ refreshSession: Auth }>(REFRESH, { t: first.refreshToken })).refreshSession;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.user.id).toBe(first.user.id);
    const third = (await system.client().ok<{ refreshSession: Auth }>(REFRESH, { t: second.refreshToken })).refreshSession;
    expect(third.accessToken).toBeTruthy();
  });

  test('replaying a used refresh token ends the session: even the newest token is refused', async () => {
    const first = (await login(system, 'sam@example.com', 'sam password 1')).data!.login;
    const second = (await system.client().ok<{ refreshSession: Auth }>(REFRESH, { t: first.refreshToken })).refreshSession;
    const replay = await system.client().request(REFRESH, { t: first.refreshToken });
    expect(codeOf(replay)).toBe('UNAUTHENTICATED');
    expect(replay.errors?.[0]?.message).toMatch(/already used/);
    expect(codeOf(await system.client().request(REFRESH, { t: second.refreshToken }))).toBe('UNAUTHENTICATED');
    // The access token of the revoked session is refused by the users subgraph before it expires.
    expect(codeOf(await system.client({ token: second.accessToken }).request('{ me { id } }'))).toBe('UNAUTHENTICATED');
  });

  test('a browser refreshes from its cookie, even when its access cookie is stale', async () => {
    const browser = system.client({ keepCookies: true });
    await browser.ok(`mutation { login(input: {email: "sam@example.com", password: "sam password 1"}) { expiresIn } }`);
    browser.cookies.set('atrium_access', 'stale.token.value');
    expect(codeOf(await browser.request('{ me { id } }'))).toBe('UNAUTHENTICATED');
    const refreshed = await browser.ok<{ refreshSession: Auth }>(REFRESH);
    expect(refreshed.refreshSession.user.email).toBe('sam@example.com');
    expect((await browser.ok<{ me: { email: string } }>('{ me { email } }')).me.email).toBe('sam@example.com');
  });

  test('a bad or forged bearer token is refused at the edge with 401 UNAUTHENTICATED', async () => {
    const result = await system.client({ token: 'eyJhbGciOiJFUzI1NiJ9.e30.bad' }).request('{ agents { id } }');
    expect(result.status).toBe(401);
    expect(codeOf(result)).toBe('UNAUTHENTICATED');
  });

  test('sessions list device and address, and logout ends only the current one', async () => {
    const device = (agent: string) => system.client({ headers: { 'user-agent': agent } });
    const query = `mutation { login(input: {email: "sam@example.com", password: "sam password 1"}) { accessToken } }`;
    const phone = (await device('Phone/1.0').ok<{ login: Auth }>(query)).login.accessToken;
    const laptop = (await device('Laptop/2.0').ok<{ login: Auth }>(query)).login.accessToken;
    const seen = await system.client({ token: laptop, headers: { 'user-agent': 'Laptop/2.0' } }).ok<{ sessions: any[] }>(SESSIONS);
    expect(seen.sessions[0]).toMatchObject({ userAgent: 'Laptop/2.0', current: true });
    expect(seen.sessions[0].ip).toBeTruthy();
    expect(seen.sessions.map((s) => s.userAgent)).toContain('Phone/1.0');

    expect(await system.client({ token: laptop }).ok('mutation { logout }')).toEqual({ logout: true });
    expect(codeOf(await system.client({ token: laptop }).request('{ me { id } }'))).toBe('UNAUTHENTICATED');
    // Refused at the edge too, for fields no users-subgraph check would see.
    const signedOut = await system.client({ token: laptop }).request('{ agents { id } }');
    expect(signedOut.status).toBe(401);
    expect(codeOf(signedOut)).toBe('UNAUTHENTICATED');
    expect((await system.client({ token: phone }).ok<{ me: { email: string } }>('{ me { email } }')).me.email).toBe('sam@example.com');
  });

  test('at most MAX_SESSIONS sessions live at once: the least recently used one ends', async () => {
    const tokens: string[] = [];
    for (let i = 0; i < 4; i++) tokens.push((await login(system, 'sam@example.com', 'sam password 1')).data!.login.accessToken);
    const { sessions } = await system.client({ token: tokens[3] }).ok<{ sessions: unknown[] }>(SESSIONS);
    expect(sessions).toHaveLength(3);
    expect(codeOf(await system.client({ token: tokens[0] }).request('{ me { id } }'))).toBe('UNAUTHENTICATED');
    // The evicted device is refused at the edge too, for any field.
    expect((await system.client({ token: tokens[0] }).request('{ agents { id } }')).status).toBe(401);
  });

  test('logout everywhere ends every session of the user', async () => {
    const a = (await login(system, 'sam@example.com', 'sam password 1')).data!.login;
    const b = (await login(system, 'sam@example.com', 'sam password 1')).data!.login;
    const ended = await system.client({ token: a.accessToken }).ok<{ logoutEverywhere: number }>('mutation { logoutEverywhere }');
    expect(ended.logoutEverywhere).toBeGreaterThanOrEqual(2);
    expect(codeOf(await system.client({ token: b.accessToken }).request('{ me { id } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await system.client().request(REFRESH, { t: b.refreshToken }))).toBe('UNAUTHENTICATED');
  });

  test('repeated wrong passwords lock sign-in for that email with RATE_LIMITED', async () => {
    await register(system, 'target@example.com', 'target password');
    for (let i = 0; i < 4; i++) await login(system, 'target@example.com', `wrong ${i}`);
    const locked = await login(system, 'target@example.com', 'target password');
    expect(codeOf(locked)).toBe('RATE_LIMITED');
    expect(locked.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
  });

  test('updateMe changes the profile fields and validates them', async () => {
    const auth = (await login(system, 'sam@example.com', 'sam password 1')).data!.login;
    const client = system.client({ token: auth.accessToken });
    const updated = await client.ok<{ updateMe: Record<string, string> }>(
      'mutation { updateMe(input: {name: "Sam", company: "Acme", phone: "+1 555 0100", telegram: "@sam_acme"}) { name company phone telegram } }',
    );
    expect(updated.updateMe).toEqual({ name: 'Sam', company: 'Acme', phone: '+1 555 0100', telegram: '@sam_acme' });
    const bad = await client.request('mutation { updateMe(input: {phone: "call me"}) { phone } }');
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions?.fields[0].path).toBe('input.phone');
    const notWritable = await client.request('mutation { updateMe(input: {email: "x@y.z"}) { email } }');
    expect(codeOf(notWritable)).toBe('BAD_USER_INPUT');
  });
});

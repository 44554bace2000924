import { codeOf } from '../test-support/graphql-client.ts';
import { AUTH_FIELDS, mailedCode, register } from '../test-support/journeys.ts';
import { lastMailTo, mailsTo } from '../test-support/mail-wait.ts';
import { startSystem, type System } from '../test-support/system.ts';

const REQUEST = `mutation($input: RequestRegistrationInput!) { requestRegistration(input: $input) }`;
const CONFIRM = `mutation($input: ConfirmRegistrationInput!) { confirmRegistration(input: $input) { ${AUTH_FIELDS} } }`;

/** The code in the latest mail to `email`, waiting for it: codes are mailed after the answer. */
const codeFor = (email: string) => mailedCode(system, email);

let system: System;
beforeAll(async () => {
  system = await startSystem({ REGISTRATION_RESEND_COOLDOWN: '60', CODE_MAX_ATTEMPTS: '3' });
});
afterAll(() => system.stop());

describe('registration through the gateway', () => {
  test('a mailed code confirms the account, signs in and the token reads `me`', async () => {
    const auth = await register(system, 'Ada@Example.com', 'analytical engine', 'Ada');
    expect(auth.user).toMatchObject({ email: 'ada@example.com', name: 'Ada', roles: ['user'], mfaEnabled: false });
    expect(auth.expiresIn).toBe(900);
    const me = await system.client({ token: auth.accessToken }).ok<{ me: { id: string } }>('{ me { id email } }');
    expect(me.me.id).toBe(auth.user.id);
  });

  test('confirmation sets HttpOnly cookies and X-Auth-Token, and the cookie alone authenticates', async () => {
    const browser = system.client({ keepCookies: true });
    await browser.ok(REQUEST, { input: { email: 'cookie@example.com', password: 'cookie monster' } });
    const result = await browser.request(CONFIRM, { input: { email: 'cookie@example.com', code: await codeFor('cookie@example.com') } });
    expect(result.headers.get('x-auth-token')).toBe(result.data?.confirmRegistration.accessToken);
    const cookies = result.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('atrium_access='))).toMatch(/HttpOnly/);
    expect(cookies.find((c) => c.startsWith('atrium_refresh='))).toMatch(/Path=\/graphql.*HttpOnly/);
    const me = await browser.ok<{ me: { email: string } }>('{ me { email } }');
    expect(me.me.email).toBe('cookie@example.com');
  });

  test('asking for a second code within the cooldown answers RATE_LIMITED with retryAfter', async () => {
    const client = system.client();
    await client.ok(REQUEST, { input: { email: 'eager@example.com', password: 'password one' } });
    const again = await client.request(REQUEST, { input: { email: 'eager@example.com', password: 'password one' } });
    expect(codeOf(again)).toBe('RATE_LIMITED');
    expect(again.errors?.[0]?.extensions?.retryAfter).toBeGreaterThan(0);
  });

  test('a wrong code is BAD_USER_INPUT, and too many wrong codes void the pending registration', async () => {
    const client = system.client();
    await client.ok(REQUEST, { input: { email: 'guess@example.com', password: 'password two' } });
    const right = await codeFor('guess@example.com');
    const wrong = right === '000000' ? '111111' : '000000';
    for (let i = 0; i < 3; i++) {
      expect(codeOf(await client.request(CONFIRM, { input: { email: 'guess@example.com', code: wrong } }))).toBe('BAD_USER_INPUT');
    }
    const late = await client.request(CONFIRM, { input: { email: 'guess@example.com', code: right } });
    expect(codeOf(late)).toBe('RATE_LIMITED');
  });

  test('an email that is taken answers true and mails its owner a notice, not a code', async () => {
    await register(system, 'taken@example.com');
    await system.users.deps.kv.del('registration:cooldown:taken@example.com');
    const result = await system.client().ok(REQUEST, { input: { email: 'taken@example.com', password: 'another password' } });
    expect(result).toEqual({ requestRegistration: true });
    // The registration's code mail came first; the notice is the second mail.
    expect((await lastMailTo(system, 'taken@example.com', 2)).subject).toMatch(/tried to register/);
  });

  test('a code creates the account with the password of the request that mailed it, never another', async () => {
    const client = system.client();
    await client.ok(REQUEST, { input: { email: 'owner@example.com', password: 'owner password' } });
    await system.users.deps.kv.del('registration:cooldown:owner@example.com');
    // Someone else asks for the same email with their own password; the owner enters their own code.
    await client.ok(REQUEST, { input: { email: 'owner@example.com', password: 'attacker password' } });
    const code = /\b(\d{6})\b/.exec((await mailsTo(system, 'owner@example.com', 2))[0]!.text)![1];
    await client.ok(CONFIRM, { input: { email: 'owner@example.com', code } });
    const asOwner = await client.request('mutation { login(input: {email: "owner@example.com", password: "owner password"}) { expiresIn } }');
    expect(asOwner.errors).toBeUndefined();
    const asAttacker = await client.request('mutation { login(input: {email: "owner@example.com", password: "attacker password"}) { expiresIn } }');
    expect(codeOf(asAttacker)).toBe('UNAUTHENTICATED');
  });

  test('bad input names each bad field', async () => {
    const result = await system.client().request(REQUEST, { input: { email: 'not-an-email', password: 'short' } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    const paths = ((result.errors?.[0]?.extensions?.fields ?? []) as { path: string }[]).map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['input.email', 'input.password']));
  });
});

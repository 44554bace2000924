import { generate } from 'otplib';
import { withClient } from '../test-support/database.ts';
import { codeOf } from '../test-support/graphql-client.ts';
import { login, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

let system: System;
let auth: Auth;
beforeAll(async () => {
  system = await startSystem();
  auth = await register(system, 'mia@example.com', 'mia password 1');
});
afterAll(() => system.stop());

/** A code for the step after `secret`'s current one is also accepted (drift), so tests never race a boundary. */
const totpFor = (secret: string) => generate({ secret });

describe('two-factor authentication with TOTP', () => {
  let secret: string;
  let recoveryCodes: string[];

  test('enrolment gives a secret and an otpauth URL, and a wrong code does not turn MFA on', async () => {
    const client = system.client({ token: auth.accessToken });
    const { enrollMfa } = await client.ok<{ enrollMfa: { secret: string; otpauthUrl: string } }>(
      'mutation { enrollMfa { secret otpauthUrl } }',
    );
    secret = enrollMfa.secret;
    expect(enrollMfa.otpauthUrl).toMatch(/^otpauth:\/\/totp\/Atrium:mia%40example\.com\?.*secret=/);
    const wrong = await client.request('mutation($c: String!) { confirmMfa(code: $c) { codes } }', { c: '000000' });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect((await client.ok<{ me: { mfaEnabled: boolean } }>('{ me { mfaEnabled } }')).me.mfaEnabled).toBe(false);
  });

  test('confirming with a current code turns MFA on and returns ten recovery codes', async () => {
    const client = system.client({ token: auth.accessToken });
    const { confirmMfa } = await client.ok<{ confirmMfa: { codes: string[] } }>(
      'mutation($c: String!) { confirmMfa(code: $c) { codes } }',
      { c: await totpFor(secret) },
    );
    recoveryCodes = confirmMfa.codes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await client.ok<{ me: { mfaEnabled: boolean } }>('{ me { mfaEnabled } }')).me.mfaEnabled).toBe(true);
    // At rest the secret is sealed: a database dump alone cannot produce codes.
    const stored = await withClient(system.users.deps.config.DATABASE_URL, (c) =>
      c.query('select mfa_secret from users."user" where email = $1', ['mia@example.com']),
    );
    expect(stored.rows[0].mfa_secret).toMatch(/^v1\./);
    expect(stored.rows[0].mfa_secret).not.toContain(secret);
  });

  test('sign-in without a code fails with MFA_REQUIRED, with a wrong code UNAUTHENTICATED', async () => {
    expect(codeOf(await login(system, 'mia@example.com', 'mia password 1'))).toBe('MFA_REQUIRED');
    expect(codeOf(await login(system, 'mia@example.com', 'mia password 1', '123456'))).toBe('UNAUTHENTICATED');
    // The password is checked first: MFA_REQUIRED never tells a guesser the password was right.
    expect(codeOf(await login(system, 'mia@example.com', 'wrong password'))).toBe('UNAUTHENTICATED');
  });

  test('sign-in with a current TOTP code succeeds, and the same code cannot be used twice', async () => {
    const code = await totpFor(secret);
    const result = await login(system, 'mia@example.com', 'mia password 1', code);
    expect(result.errors).toBeUndefined();
    expect(result.data?.login.user.mfaEnabled).toBe(true);
    expect(codeOf(await login(system, 'mia@example.com', 'mia password 1', code))).toBe('UNAUTHENTICATED');
  });

  test('a recovery code signs in exactly once', async () => {
    const code = recoveryCodes[0] as string;
    expect((await login(system, 'mia@example.com', 'mia password 1', code)).errors).toBeUndefined();
    expect(codeOf(await login(system, 'mia@example.com', 'mia password 1', code))).toBe('UNAUTHENTICATED');
  });

  test('regenerating recovery codes voids the old ones', async () => {
    const client = system.client({ token: auth.accessToken });
    const { regenerateRecoveryCodes } = await client.ok<{ regenerateRecoveryCodes: { codes: string[] } }>(
      'mutation($c: String!) { regenerateRecoveryCodes(code: $c) { codes } }',
      { c: await totpFor(secret) },
    );
    expect(regenerateRecoveryCodes.codes).toHaveLength(10);
    expect(codeOf(await login(system, 'mia@example.com', 'mia password 1', recoveryCodes[1]))).toBe('UNAUTHENTICATED');
    recoveryCodes = regenerateRecoveryCodes.codes;
  });

  test('disabling needs the password and a code; then sign-in needs no code', async () => {
    const client = system.client({ token: auth.accessToken });
    const DISABLE = 'mutation($i: DisableMfaInput!) { disableMfa(input: $i) }';
    const badPassword = await client.request(DISABLE, { i: { password: 'nope nope', code: await totpFor(secret) } });
    expect(codeOf(badPassword)).toBe('BAD_USER_INPUT');
    expect(await client.ok(DISABLE, { i: { password: 'mia password 1', code: recoveryCodes[2] } })).toEqual({ disableMfa: true });
    expect((await login(system, 'mia@example.com', 'mia password 1')).errors).toBeUndefined();
  });
});

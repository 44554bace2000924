import { codeOf } from '../test-support/graphql-client.ts';
import { login, register } from '../test-support/journeys.ts';
import { fromMail } from '../test-support/mail-wait.ts';
import { startSystem, type System } from '../test-support/system.ts';

const REQUEST = 'mutation($e: String!) { requestPasswordReset(email: $e) }';
const CONFIRM = 'mutation($i: ConfirmPasswordResetInput!) { confirmPasswordReset(input: $i) }';

let system: System;
beforeAll(async () => {
  system = await startSystem({ PASSWORD_RESET_URL: 'https://app.example/reset?token={token}' });
});
afterAll(() => system.stop());

const tokenFromMail = async (email: string) => decodeURIComponent(await fromMail(system, email, /https:\/\/app\.example\/reset\?token=(\S+)/));

describe('password reset and change', () => {
  test('a reset link sets a new password once and ends every session', async () => {
    const before = await register(system, 'rob@example.com', 'old password 1');
    expect(await system.client().ok(REQUEST, { e: 'rob@example.com' })).toEqual({ requestPasswordReset: true });
    const token = await tokenFromMail('rob@example.com');

    expect(await system.client().ok(CONFIRM, { i: { token, newPassword: 'new password 2' } })).toEqual({ confirmPasswordReset: true });
    expect(codeOf(await system.client({ token: before.accessToken }).request('{ me { id } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(system, 'rob@example.com', 'old password 1'))).toBe('UNAUTHENTICATED');
    expect((await login(system, 'rob@example.com', 'new password 2')).errors).toBeUndefined();

    const reuse = await system.client().request(CONFIRM, { i: { token, newPassword: 'third password 3' } });
    expect(codeOf(reuse)).toBe('BAD_USER_INPUT');
  });

  test('an unknown email answers true and sends nothing', async () => {
    const before = (await system.mails()).length;
    expect(await system.client().ok(REQUEST, { e: 'ghost@example.com' })).toEqual({ requestPasswordReset: true });
    expect((await system.mails()).length).toBe(before);
  });

  test('a weak new password is refused with the field named', async () => {
    const result = await system.client().request(CONFIRM, { i: { token: 'whatever', newPassword: 'short' } });
    expect(codeOf(result)).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.extensions?.fields[0].path).toBe('input.newPassword');
  });

  test('changing the password needs the current one and ends the other sessions only', async () => {
    const here = await register(system, 'cat@example.com', 'cat password 1');
    const elsewhere = (await login(system, 'cat@example.com', 'cat password 1')).data!.login;
    const client = system.client({ token: here.accessToken });
    const CHANGE = 'mutation($i: ChangePasswordInput!) { changePassword(input: $i) }';
    const wrong = await client.request(CHANGE, { i: { currentPassword: 'not it at all', newPassword: 'cat password 2' } });
    expect(codeOf(wrong)).toBe('BAD_USER_INPUT');
    expect(await client.ok(CHANGE, { i: { currentPassword: 'cat password 1', newPassword: 'cat password 2' } })).toEqual({
      changePassword: true,
    });
    expect((await client.ok<{ me: { email: string } }>('{ me { email } }')).me.email).toBe('cat@example.com');
    expect(codeOf(await system.client({ token: elsewhere.accessToken }).request('{ me { id } }'))).toBe('UNAUTHENTICATED');
  });
});

import { codeOf } from '../test-support/graphql-client.ts';
import { login } from '../test-support/journeys.ts';
import { PRODUCTION_ENV, startSystem, type System } from '../test-support/system.ts';

const INTROSPECT = '{ __schema { queryType { name } } }';

let system: System;
beforeAll(async () => {
  // Production settings; SMTP is required there but no mail is sent in this file.
  system = await startSystem(PRODUCTION_ENV);
  await system.createUser('ops@example.com', 'ops password', { admin: true });
  await system.createUser('someone@example.com', 'someone password');
});
afterAll(() => system.stop());

describe('introspection in production', () => {
  test('anonymous callers and ordinary users are refused', async () => {
    expect(codeOf(await system.client().request(INTROSPECT))).toBe('BAD_USER_INPUT');
    const user = (await login(system, 'someone@example.com', 'someone password')).data!.login;
    const refused = await system.client({ token: user.accessToken }).request(INTROSPECT);
    expect(refused.errors?.[0]?.message).toMatch(/introspection is not allowed/);
  });

  test('admins may introspect, so Sandbox keeps working for them', async () => {
    const admin = (await login(system, 'ops@example.com', 'ops password')).data!.login;
    const data = await system.client({ token: admin.accessToken }).ok<{ __schema: { queryType: { name: string } } }>(INTROSPECT);
    expect(data.__schema.queryType.name).toBe('Query');
  });
});

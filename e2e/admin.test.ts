import { codeOf } from '../test-support/graphql-client.ts';
import { login, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

const USERS = `query($first: Int, $after: String, $search: String) {
  users(first: $first, after: $after, search: $search) {
    totalCount edges { cursor node { id email } } pageInfo { hasNextPage endCursor } } }`;

let system: System;
let admin: Auth;
let bob: Auth;
beforeAll(async () => {
  system = await startSystem();
  await system.createUser('root@example.com', 'root password 1', { admin: true });
  admin = (await login(system, 'root@example.com', 'root password 1')).data!.login;
  bob = await register(system, 'bob@example.com', 'bob password 1');
  for (let i = 0; i < 5; i++) await system.createUser(`member${i}@corp.example`, 'member password');
});
afterAll(() => system.stop());

describe('administration', () => {
  test('a non-admin gets FORBIDDEN and an anonymous caller UNAUTHENTICATED', async () => {
    expect(codeOf(await system.client({ token: bob.accessToken }).request(USERS))).toBe('FORBIDDEN');
    expect(codeOf(await system.client().request(USERS))).toBe('UNAUTHENTICATED');
  });

  test('admins page through users, newest first, with stable cursors and a total', async () => {
    const client = system.client({ token: admin.accessToken });
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const { users }: { users: any } = await client.ok<{ users: any }>(USERS, { first: 3, after });
      seen.push(...users.edges.map((e: any) => e.node.email));
      expect(users.totalCount).toBe(7);
      after = users.pageInfo.hasNextPage ? users.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    expect(seen.at(-1)).toBe('root@example.com');
  });

  test('search filters by part of the email, and bad paging input is BAD_USER_INPUT', async () => {
    const client = system.client({ token: admin.accessToken });
    const { users } = await client.ok<{ users: any }>(USERS, { search: 'CORP.example' });
    expect(users.totalCount).toBe(5);
    expect(codeOf(await client.request(USERS, { first: 1000 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await client.request(USERS, { after: 'garbage' }))).toBe('BAD_USER_INPUT');
  });

  test('a disabled account loses its sessions and cannot sign in until enabled again', async () => {
    const client = system.client({ token: admin.accessToken });
    const disabled = await client.ok<{ disableUser: { disabledAt: string } }>(
      'mutation($id: ID!) { disableUser(id: $id) { disabledAt } }',
      { id: bob.user.id },
    );
    expect(disabled.disableUser.disabledAt).toBeTruthy();
    // Refused at the gateway as a disabled account (403), not as a sign-in problem.
    expect(codeOf(await system.client({ token: bob.accessToken }).request('{ me { id } }'))).toBe('FORBIDDEN');
    const refresh = await system.client().request('mutation($t: String) { refreshSession(refreshToken: $t) { expiresIn } }', {
      t: bob.refreshToken,
    });
    expect(codeOf(refresh)).toBe('UNAUTHENTICATED');
    expect(codeOf(await login(system, 'bob@example.com', 'bob password 1'))).toBe('FORBIDDEN');

    await client.ok('mutation($id: ID!) { enableUser(id: $id) { id } }', { id: bob.user.id });
    bob = (await login(system, 'bob@example.com', 'bob password 1')).data!.login;
    expect(bob.accessToken).toBeTruthy();
  });

  test('granting admin lets the user administer after the next sign-in; an unknown role is refused', async () => {
    const client = system.client({ token: admin.accessToken });
    const granted = await client.ok<{ grantRole: { roles: string[] } }>(
      'mutation($id: ID!) { grantRole(userId: $id, role: "admin") { roles } }',
      { id: bob.user.id },
    );
    expect(granted.grantRole.roles).toEqual(['user', 'admin']);
    const fresh = (await login(system, 'bob@example.com', 'bob password 1')).data!.login;
    expect((await system.client({ token: fresh.accessToken }).ok<{ users: any }>(USERS)).users.totalCount).toBe(7);

    const bad = await client.request('mutation($id: ID!) { grantRole(userId: $id, role: "superuser") { roles } }', { id: bob.user.id });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    const revoked = await client.ok<{ revokeRole: { roles: string[] } }>(
      'mutation($id: ID!) { revokeRole(userId: $id, role: "admin") { roles } }',
      { id: bob.user.id },
    );
    expect(revoked.revokeRole.roles).toEqual(['user']);
    // Losing a role ends the user's sessions: the token minted while bob was admin is refused at the
    // edge at once, in every subgraph, not only where the users subgraph checks its database.
    expect(codeOf(await system.client({ token: fresh.accessToken }).request(USERS))).toBe('UNAUTHENTICATED');
    const createAgent = 'mutation { createAgent(input: {slug: "sneaky", name: "S", description: "d", category: "c"}) { id } }';
    expect(codeOf(await system.client({ token: fresh.accessToken }).request(createAgent))).toBe('UNAUTHENTICATED');
  });

  test('an admin cannot disable themselves or drop their own admin role', async () => {
    const client = system.client({ token: admin.accessToken });
    expect(codeOf(await client.request('mutation($id: ID!) { disableUser(id: $id) { id } }', { id: admin.user.id }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      codeOf(await client.request('mutation($id: ID!) { revokeRole(userId: $id, role: "admin") { id } }', { id: admin.user.id })),
    ).toBe('BAD_USER_INPUT');
  });

  test('an unknown or malformed user id is NOT_FOUND', async () => {
    const client = system.client({ token: admin.accessToken });
    expect(codeOf(await client.request('mutation { enableUser(id: "not-a-uuid") { id } }'))).toBe('NOT_FOUND');
    expect(
      codeOf(await client.request('mutation { enableUser(id: "00000000-0000-4000-8000-000000000000") { id } }')),
    ).toBe('NOT_FOUND');
    expect((await client.ok<{ user: null }>('{ user(id: "nope") { id } }')).user).toBeNull();
  });
});

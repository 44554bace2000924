import { createHash } from 'node:crypto';
import { codeOf } from '../test-support/graphql-client.ts';
import { AUTH_FIELDS } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

const LOGIN = `mutation($input: LoginInput!) { login(input: $input) { ${AUTH_FIELDS} } }`;

let system: System;
beforeAll(async () => {
  // TRUST_PROXY=1: the gateway believes X-Forwarded-For, so each test client can call from its own address.
  system = await startSystem({
    TRUST_PROXY: '1',
    LOGIN_MAX_FAILURES: '10',
    LOGIN_MAX_FAILURES_PER_IP: '15',
    RATE_LIMIT_APQ: '3',
    APQ_MAX_QUERY_BYTES: '200',
  });
});
afterAll(() => system.stop());

const from = (ip: string) => system.client({ headers: { 'x-forwarded-for': ip } });
const login = (ip: string, email: string, password: string) => from(ip).request(LOGIN, { input: { email, password } });

describe('sign-in budgets', () => {
  test("a stranger's failed sign-ins do not lock the owner out", async () => {
    await system.createUser('owner@example.com', 'the owner password');
    for (let i = 0; i < 10; i++) expect(codeOf(await login('203.0.113.1', 'owner@example.com', `guess ${i}`))).toBe('UNAUTHENTICATED');
    // The attacker's address has used up its attempts at this email, even with the right password...
    expect(codeOf(await login('203.0.113.1', 'owner@example.com', 'the owner password'))).toBe('RATE_LIMITED');
    // ...while the owner, elsewhere, signs in.
    const owner = await login('198.51.100.2', 'owner@example.com', 'the owner password');
    expect(owner.errors).toBeUndefined();
    expect(owner.data?.login.user.email).toBe('owner@example.com');
  });

  test('an address spraying many emails runs out of attempts', async () => {
    for (let i = 0; i < 15; i++) expect(codeOf(await login('203.0.113.9', `sprayed${i}@example.com`, 'password1'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await login('203.0.113.9', 'sprayed-last@example.com', 'password1'))).toBe('RATE_LIMITED');
    // Another address is unaffected.
    expect(codeOf(await login('203.0.113.10', 'sprayed-last@example.com', 'password1'))).toBe('UNAUTHENTICATED');
  });

  test('failures from many addresses slow sign-in for that email down, without refusing it', async () => {
    await system.createUser('popular@example.com', 'popular password');
    // 10 failures from one address and 3 from others: 3 past LOGIN_MAX_FAILURES, so 300 ms each sign-in.
    for (let i = 0; i < 10; i++) await login('192.0.2.1', 'popular@example.com', `guess ${i}`);
    for (let i = 2; i < 5; i++) await login(`192.0.2.${i}`, 'popular@example.com', 'another guess');
    const started = performance.now();
    const owner = await login('198.51.100.7', 'popular@example.com', 'popular password');
    expect(owner.errors).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(300);
  });
});

/** One automatic persisted query request: the hash alone, or with its query to register it. */
async function apq(ip: string, query: string, register: boolean) {
  const sha256Hash = createHash('sha256').update(query).digest('hex');
  const res = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ ...(register ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash } } }),
  });
  return { status: res.status, body: (await res.json()) as { data?: unknown; errors?: { extensions: Record<string, unknown> }[] } };
}
const apqCode = (r: Awaited<ReturnType<typeof apq>>) => r.body.errors?.[0]?.extensions.code;

describe('the automatic persisted query store is bounded', () => {
  test('a query over APQ_MAX_QUERY_BYTES is refused, and not stored', async () => {
    const big = `query Big { agents { id ${'slug '.repeat(40)} } }`;
    const refused = await apq('203.0.113.60', big, true);
    expect(refused.status).toBe(400);
    expect(apqCode(refused)).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0]?.extensions.limit).toBe('persistedQuerySize');
    expect(apqCode(await apq('203.0.113.60', big, false))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  test('each caller registers a bounded number of new queries per window', async () => {
    const query = (n: number) => `query Registered${n} { agents { id } }`;
    for (let n = 0; n < 3; n++) expect((await apq('203.0.113.61', query(n), true)).body.errors).toBeUndefined();
    const over = await apq('203.0.113.61', query(3), true);
    expect(over.status).toBe(429);
    expect(apqCode(over)).toBe('RATE_LIMITED');
    // What is registered still runs by hash alone, and another caller has a budget of its own.
    expect((await apq('203.0.113.61', query(0), false)).body.errors).toBeUndefined();
    expect((await apq('203.0.113.62', query(3), true)).body.errors).toBeUndefined();
  });
});

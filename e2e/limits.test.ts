import { codeOf } from '../test-support/graphql-client.ts';
import { login, register } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

let system: System;
beforeAll(async () => {
  system = await startSystem({
    MAX_DEPTH: '5',
    MAX_ALIASES: '3',
    MAX_ROOT_FIELDS: '3',
    MAX_DIRECTIVES: '2',
    MAX_TOKENS: '200',
    MAX_COST: '500',
    MAX_BODY_BYTES: '4000',
    MAX_BATCH: '2',
    RATE_LIMIT_WINDOW: '2',
    RATE_LIMIT_ANONYMOUS: '8',
    RATE_LIMIT_AUTH: '3',
  });
});
afterAll(() => system.stop());

const post = (body: unknown) =>
  fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, headers: r.headers, body: (await r.json()) as any }),
  );
const limitOf = (r: { body: any }) => r.body.errors?.[0]?.extensions?.limit;
/** Every limit test spends the anonymous budget; a fresh window keeps them independent. */
const freshWindow = () => new Promise((r) => setTimeout(r, 2100));

describe('operation limits, each with its own error', () => {
  beforeEach(freshWindow);

  test('depth', async () => {
    const r = await post({ query: '{ me { id } instances { knowledgeBase { entries { edges { node { id } } } } } }' });
    expect(codeOf(r.body)).toBe('BAD_USER_INPUT');
    expect(limitOf(r)).toBe('depth');
    expect(r.body.errors[0].message).toMatch(/depth is 6, more than the limit of 5/);
  });

  test('aliases and root fields', async () => {
    const aliases = await post({ query: '{ a: agents { id } b: agents { id } c: agents { id } d: agents { id } }' });
    expect(aliases.body.errors.map((e: any) => e.extensions.limit)).toEqual(expect.arrayContaining(['aliases', 'rootFields']));
    const roots = await post({ query: '{ agents { id } me { id } agent(id: "x") { id } agentBySlug(slug: "x") { id } }' });
    expect(limitOf(roots)).toBe('rootFields');
  });

  test('directives', async () => {
    const r = await post({ query: '{ agents { id @include(if: true) slug @skip(if: false) name @include(if: true) } }' });
    expect(limitOf(r)).toBe('directives');
  });

  test('tokens', async () => {
    const r = await post({ query: `{ agents { ${'id '.repeat(250)} } }` });
    expect(codeOf(r.body)).toBe('BAD_USER_INPUT');
    // graphql-js's own wording ("more that") is passed through as is.
    expect(r.body.errors[0].message).toMatch(/contains more th.. 200 tokens/);
  });

  test('estimated cost from list sizes in arguments', async () => {
    // `first: 100` sizes the connection's edges (@listSize sizedFields), once per instance.
    const r = await post({
      query: '{ instances { knowledgeBase { entries(first: 100) { edges { cursor } } } } }',
    });
    expect(limitOf(r)).toBe('cost');
  });

  test('body size and batches', async () => {
    const big = await post({ query: `{ agents { id } } # ${'x'.repeat(5000)}` });
    expect(big.status).toBe(413);
    expect(limitOf(big)).toBe('bodySize');
    const batch = await post([{ query: '{ agents { id } }' }, { query: '{ agents { id } }' }, { query: '{ agents { id } }' }]);
    expect(limitOf(batch)).toBe('batch');
    const allowed = await post([{ query: '{ agents { id } }' }, { query: '{ agents { slug } }' }]);
    expect(allowed.body).toHaveLength(2);
  });
});

describe('rate limits', () => {
  beforeEach(freshWindow);

  test('anonymous callers are limited per address, answered 429 with Retry-After, and recover', async () => {
    const results = [];
    for (let i = 0; i < 9; i++) results.push(await post({ query: '{ agents { id } }' }));
    const limited = results.at(-1)!;
    expect(results.slice(0, 8).every((r) => r.status === 200)).toBe(true);
    expect(limited.status).toBe(429);
    expect(codeOf(limited.body)).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, Number(limited.headers.get('retry-after')) * 1000 + 100));
    expect((await post({ query: '{ agents { id } }' })).status).toBe(200);
  });

  test('sign-in has its own, stricter budget', async () => {
    await register(system, 'limited@example.com', 'limited password');
    await freshWindow();
    const attempts = [];
    for (let i = 0; i < 4; i++) attempts.push(codeOf(await login(system, 'limited@example.com', 'limited password')));
    expect(attempts).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
  });

  const LOGIN = 'login(input: {email: "nobody@example.com", password: "wrong password"}) { expiresIn }';
  const authCodes = async (query: string) => (await post({ query })).body.errors?.map((e: any) => e.extensions.code) ?? [];

  test('every aliased sign-in spends one unit of the auth budget', async () => {
    // Three aliases spend the whole budget of 3 in one request (the first failure ends the serial
    // mutation, so one error comes back); the next sign-in is refused.
    expect(await authCodes(`mutation { a: ${LOGIN} b: ${LOGIN} c: ${LOGIN} }`)).toEqual(['UNAUTHENTICATED']);
    const next = await post({ query: `mutation { ${LOGIN} }` });
    expect(next.status).toBe(429);
    expect(codeOf(next.body)).toBe('RATE_LIMITED');
  });

  test('sign-ins in fragments and inline fragments count like the others', async () => {
    const query = `mutation { ...Two ... on Mutation { c: ${LOGIN} } } fragment Two on Mutation { a: ${LOGIN} b: ${LOGIN} }`;
    expect(await authCodes(query)).toEqual(['UNAUTHENTICATED']);
    expect(codeOf((await post({ query: `mutation { ${LOGIN} }` })).body)).toBe('RATE_LIMITED');
  });

  test('an operation that fails validation still spends the auth budget of its sign-ins', async () => {
    // Four aliases break MAX_ALIASES and MAX_ROOT_FIELDS: nothing runs, but the four units are spent.
    const invalid = await post({ query: `mutation { a: ${LOGIN} b: ${LOGIN} c: ${LOGIN} d: ${LOGIN} }` });
    expect(codeOf(invalid.body)).toBe('BAD_USER_INPUT');
    expect(codeOf((await post({ query: `mutation { ${LOGIN} }` })).body)).toBe('RATE_LIMITED');
  });

  test('operations that do not parse still spend the general budget', async () => {
    for (let i = 0; i < 8; i++) expect((await post({ query: '{ agents { id ' })).status).toBe(400);
    expect((await post({ query: '{ agents { id } }' })).status).toBe(429);
  });
});

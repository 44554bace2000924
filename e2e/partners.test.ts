import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { generatePersistedQueryIdsFromManifest } from '@apollo/persisted-query-lists';
import { codeOf } from '../test-support/graphql-client.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';
import { Agent } from '../subgraphs/catalog/src/agent/agent.entity.ts';

const manifest = JSON.parse(await readFile(new URL('../schema/persisted-queries.json', import.meta.url), 'utf8')) as {
  operations: { id: string; name: string; type: string; body: string }[];
};
const idOf = (name: string) => manifest.operations.find((o) => o.name === name)!.id;
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let system: System;
let owner: Auth;
let agentId: string;
beforeAll(async () => {
  system = await startSystem({ API_KEY_TOKEN_TTL: '11' });
  owner = await register(system, 'partner@example.com');
  const em = system.catalog.deps.orm.em.fork();
  const agent = em.create(Agent, { slug: 'api-agent', name: 'API agent', description: 'd', category: 'integration' });
  await em.flush();
  agentId = agent.id;
});
afterAll(() => system.stop());

/** Sends what a raw HTTP partner client would. */
const partnerPost = (key: string, body: object) =>
  fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify(body) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as { data?: any; errors?: any[] } }),
  );

/** Apollo Client as a partner uses it: manifest ids instead of query text, the key in a header. */
function partnerClient(key: string) {
  return new ApolloClient({
    cache: new InMemoryCache(),
    link: ApolloLink.from([
      new PersistedQueryLink(generatePersistedQueryIdsFromManifest({ loadManifest: async () => manifest })),
      new HttpLink({ uri: system.gatewayUrl, headers: { 'x-api-key': key } }),
    ]),
  });
}

describe('partners: API keys and safelisted persisted queries', () => {
  let secret: string;
  let keyId: string;

  test('a signed-in user creates a named key; the secret is shown once and listed only by prefix', async () => {
    const client = system.client({ token: owner.accessToken });
    const { createApiKey } = await client.ok<{ createApiKey: any }>(
      'mutation { createApiKey(name: "CRM sync") { secret apiKey { id name prefix createdAt lastUsedAt } } }',
    );
    secret = createApiKey.secret;
    keyId = createApiKey.apiKey.id;
    expect(secret.startsWith(`${createApiKey.apiKey.prefix}_`)).toBe(true);
    expect(createApiKey.apiKey).toMatchObject({ name: 'CRM sync', lastUsedAt: null });
    const listed = await client.ok<{ apiKeys: any[] }>('{ apiKeys { id prefix name } }');
    expect(listed.apiKeys).toEqual([{ id: keyId, prefix: createApiKey.apiKey.prefix, name: 'CRM sync' }]);
    expect(JSON.stringify(listed)).not.toContain(secret);
  });

  test("Apollo Client's persisted-queries link runs manifest operations as the key's owner", async () => {
    const apollo = partnerClient(secret);
    const agents = await apollo.query<{ agents: { id: string; name: string }[] }>({
      query: gql(manifest.operations.find((o) => o.name === 'ListAgents')!.body),
    });
    expect(agents.data?.agents.map((a) => a.name)).toEqual(['API agent']);
    const created = await apollo.mutate<{ createInstance: { id: string; agent: { name: string } } }>({
      mutation: gql(manifest.operations.find((o) => o.name === 'CreateInstance')!.body),
      variables: { input: { agentId, title: 'From the CRM' } },
    });
    expect(created.data?.createInstance.agent.name).toBe('API agent');
    const mine = await apollo.query<{ instances: { title: string }[] }>({ query: gql(manifest.operations.find((o) => o.name === 'MyInstances')!.body) });
    expect(mine.data?.instances.map((i) => i.title)).toEqual(['From the CRM']);
    // The owner sees what the key did, and when the key was last used.
    const keys = await system.client({ token: owner.accessToken }).ok<{ apiKeys: any[]; instances: any[] }>('{ apiKeys { lastUsedAt } instances { title } }');
    expect(keys.apiKeys[0].lastUsedAt).not.toBeNull();
    expect(keys.instances.map((i: any) => i.title)).toEqual(['From the CRM']);
  });

  test('a GET with a manifest id runs a query; a mutation over GET is refused', async () => {
    const url = (name: string) =>
      `${system.gatewayUrl}?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: idOf(name) } }))}`;
    const ok = await fetch(url('ListAgents'), { headers: { 'x-api-key': secret, 'apollo-require-preflight': 'true' } });
    expect(((await ok.json()) as any).data.agents).toHaveLength(1);
    const refused = await fetch(url('CreateInstance'), { headers: { 'x-api-key': secret, 'apollo-require-preflight': 'true' } });
    expect(((await refused.json()) as any).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  test('free-form queries, unknown ids and a text that does not match its id are refused before any subgraph', async () => {
    const before = (await system.client().ok<{ agents: unknown[] }>('{ agents { id } }')).agents.length;
    expect(before).toBe(1);
    const freeForm = await partnerPost(secret, { query: '{ agents { id } }' });
    expect(freeForm.status).toBe(400);
    expect(freeForm.body.errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_QUERY_NOT_IN_LIST' }, message: expect.stringMatching(/free-form/) });
    const unknown = await partnerPost(secret, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256('{ me { email } }') } } });
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const swapped = await partnerPost(secret, {
      query: '{ me { email } }',
      extensions: { persistedQuery: { version: 1, sha256Hash: idOf('ListAgents') } },
    });
    expect(swapped.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  test('a revoked key stops working within the token lifetime', async () => {
    await system.client({ token: owner.accessToken }).ok('mutation($id: ID!) { revokeApiKey(id: $id) }', { id: keyId });
    await new Promise((r) => setTimeout(r, 1500));
    const after = await partnerPost(secret, { extensions: { persistedQuery: { version: 1, sha256Hash: idOf('ListAgents') } } });
    expect(after.status).toBe(401);
    expect(after.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await partnerPost('atr_aaaaaaaa_nope', { extensions: { persistedQuery: { version: 1, sha256Hash: idOf('ListAgents') } } })).status).toBe(401);
  });
});

describe('automatic persisted queries for the frontend', () => {
  test('miss, register, hit: the second request carries only the hash', async () => {
    const sent: { hasQuery: boolean }[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      sent.push({ hasQuery: JSON.parse(String(init?.body)).query !== undefined });
      return fetch(input, init);
    };
    const apollo = new ApolloClient({
      cache: new InMemoryCache(),
      link: ApolloLink.from([new PersistedQueryLink({ sha256 }), new HttpLink({ uri: system.gatewayUrl, fetch: recordingFetch })]),
    });
    const query = gql`query CatalogForApq { agents { id slug } }`;
    const first = await apollo.query({ query, fetchPolicy: 'network-only' });
    expect((first.data as any).agents).toHaveLength(1);
    expect(sent).toEqual([{ hasQuery: false }, { hasQuery: true }]);
    sent.length = 0;
    const second = await apollo.query({ query, fetchPolicy: 'network-only' });
    expect((second.data as any).agents).toHaveLength(1);
    expect(sent).toEqual([{ hasQuery: false }]);
  });

  test('a hash that does not match its query is refused', async () => {
    const res = await fetch(system.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ agents { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: sha256('something else') } } }),
    });
    const body = (await res.json()) as { errors: any[] };
    expect(codeOf({ errors: body.errors } as never)).toBe('BAD_USER_INPUT');
    expect(body.errors[0].message).toMatch(/does not match/);
  });
});

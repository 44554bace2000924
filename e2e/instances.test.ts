import { withClient } from '../test-support/database.ts';
import { codeOf, type GraphQLClient } from '../test-support/graphql-client.ts';
import { login, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

const INSTANCE_FIELDS = `id title status userConfig pipelineConfig createdAt updatedAt
  agent { id name } owner { id email } knowledgeBase { id entryCount }`;
const CREATE = `mutation($i: CreateInstanceInput!) { createInstance(input: $i) { ${INSTANCE_FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateInstanceInput!) { updateInstance(id: $id, input: $i) { ${INSTANCE_FIELDS} } }`;
const ADD_ENTRY = `mutation($id: ID!, $i: KnowledgeBaseEntryInput!) { addKnowledgeBaseEntry(instanceId: $id, input: $i) { id title content sourceUrl createdAt } }`;
const ENTRIES = `query($id: ID!, $first: Int, $after: String) { instance(id: $id) { updatedAt knowledgeBase { entryCount
  entries(first: $first, after: $after) { edges { cursor node { id title } } pageInfo { hasNextPage endCursor } } } } }`;
const MISSING = '00000000-0000-4000-8000-000000000000';

let system: System;
let owner: Auth;
let other: Auth;
let admin: Auth;
let agentId: string;
let archivedAgentId: string;
let ownerClient: GraphQLClient;

beforeAll(async () => {
  system = await startSystem({ MAX_ENTRY_CHARS: '1000', MAX_CONFIG_BYTES: '256' });
  await system.createUser('admin@example.com', 'admin password', { admin: true });
  admin = (await login(system, 'admin@example.com', 'admin password')).data!.login;
  owner = await register(system, 'olga@example.com', 'olga password');
  other = await register(system, 'eve@example.com', 'eve password 1');
  ownerClient = system.client({ token: owner.accessToken });
  const adminClient = system.client({ token: admin.accessToken });
  const make = (slug: string) =>
    adminClient.ok<{ createAgent: { id: string } }>(
      'mutation($i: CreateAgentInput!) { createAgent(input: $i) { id } }',
      { i: { slug, name: `Agent ${slug}`, description: 'x', category: 'research' } },
    );
  agentId = (await make('librarian')).createAgent.id;
  archivedAgentId = (await make('retired')).createAgent.id;
  await adminClient.ok('mutation($id: ID!) { archiveAgent(id: $id) { id } }', { id: archivedAgentId });
});
afterAll(() => system.stop());

describe('the instance lifecycle through the gateway', () => {
  let instance: any;

  test('create resolves the agent from the catalog and the owner from users', async () => {
    const { createInstance } = await ownerClient.ok<{ createInstance: any }>(CREATE, {
      i: { agentId, title: '  My librarian ', userConfig: { tone: 'formal', depth: 2 } },
    });
    instance = createInstance;
    expect(instance).toMatchObject({
      title: 'My librarian',
      status: 'PROVISIONING',
      userConfig: { tone: 'formal', depth: 2 },
      pipelineConfig: null,
      agent: { id: agentId, name: 'Agent librarian' },
      owner: { id: owner.user.id, email: 'olga@example.com' },
      knowledgeBase: { entryCount: 0 },
    });
  });

  test('the owner finds it in `instances` and in `me { instances }`', async () => {
    const data = await ownerClient.ok<{ instances: any[]; me: any }>('{ instances { id } me { instances { id agent { slug } } } }');
    expect(data.instances).toEqual([{ id: instance.id }]);
    expect(data.me.instances).toEqual([{ id: instance.id, agent: { slug: 'librarian' } }]);
  });

  test('update changes title, status and configs; a present null clears, an absent key keeps', async () => {
    const { updateInstance } = await ownerClient.ok<{ updateInstance: any }>(UPDATE, {
      id: instance.id,
      i: { title: 'Renamed', status: 'ACTIVE', pipelineConfig: { steps: ['fetch', 'answer'] } },
    });
    expect(updateInstance).toMatchObject({
      title: 'Renamed',
      status: 'ACTIVE',
      userConfig: { tone: 'formal', depth: 2 },
      pipelineConfig: { steps: ['fetch', 'answer'] },
    });
    expect(new Date(updateInstance.updatedAt).getTime()).toBeGreaterThan(new Date(instance.updatedAt).getTime());
    const cleared = await ownerClient.ok<{ updateInstance: any }>(UPDATE, { id: instance.id, i: { userConfig: null } });
    expect(cleared.updateInstance).toMatchObject({ userConfig: null, pipelineConfig: { steps: ['fetch', 'answer'] } });
    instance = cleared.updateInstance;
  });

  test('adding and deleting entries touches the instance, and entries list newest first', async () => {
    const added: string[] = [];
    for (const n of [1, 2, 3]) {
      const { addKnowledgeBaseEntry } = await ownerClient.ok<{ addKnowledgeBaseEntry: any }>(ADD_ENTRY, {
        id: instance.id,
        i: { title: `Note ${n}`, content: `Content ${n}`, sourceUrl: n === 1 ? 'https://example.com/a' : null },
      });
      added.push(addKnowledgeBaseEntry.id);
    }
    const listed = await ownerClient.ok<{ instance: any }>(ENTRIES, { id: instance.id });
    expect(listed.instance.knowledgeBase.entryCount).toBe(3);
    expect(listed.instance.knowledgeBase.entries.edges.map((e: any) => e.node.title)).toEqual(['Note 3', 'Note 2', 'Note 1']);
    expect(new Date(listed.instance.updatedAt).getTime()).toBeGreaterThan(new Date(instance.updatedAt).getTime());

    const before = listed.instance.updatedAt;
    expect(await ownerClient.ok('mutation($id: ID!) { deleteKnowledgeBaseEntry(id: $id) }', { id: added[1] })).toEqual({
      deleteKnowledgeBaseEntry: added[1],
    });
    const after = await ownerClient.ok<{ instance: any }>(ENTRIES, { id: instance.id });
    expect(after.instance.knowledgeBase.entries.edges.map((e: any) => e.node.title)).toEqual(['Note 3', 'Note 1']);
    expect(new Date(after.instance.updatedAt).getTime()).toBeGreaterThan(new Date(before).getTime());
  });

  test('delete removes the instance, its knowledge base and every entry', async () => {
    const kbId = instance.knowledgeBase.id;
    expect(await ownerClient.ok('mutation($id: ID!) { deleteInstance(id: $id) }', { id: instance.id })).toEqual({ deleteInstance: instance.id });
    expect((await ownerClient.ok<{ instance: null }>('query($id: ID!) { instance(id: $id) { id } }', { id: instance.id })).instance).toBeNull();
    const rows = await withClient(system.instances.deps.config.DATABASE_URL, (c) =>
      c.query(
        `select (select count(*) from instances.knowledge_base where id = $1) as kbs,
                (select count(*) from instances.knowledge_base_entry where knowledge_base_id = $1) as entries`,
        [kbId],
      ),
    );
    expect(rows.rows[0]).toEqual({ kbs: '0', entries: '0' });
  });
});

describe('validation', () => {
  test('an unknown, archived or malformed agent is refused with the field named', async () => {
    for (const id of [MISSING, archivedAgentId, 'nope']) {
      const result = await ownerClient.request(CREATE, { i: { agentId: id, title: 'x' } });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.fields[0].path).toBe('input.agentId');
    }
  });

  test('configs must be JSON objects within the size limit; titles must not be blank', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ agentId, title: 'x', userConfig: [1, 2] }, 'input.userConfig'],
      [{ agentId, title: 'x', userConfig: 'text' }, 'input.userConfig'],
      [{ agentId, title: 'x', userConfig: { blob: 'y'.repeat(300) } }, 'input.userConfig'],
      [{ agentId, title: '   ' }, 'input.title'],
    ];
    for (const [input, path] of cases) {
      const result = await ownerClient.request(CREATE, { i: input });
      expect(codeOf(result)).toBe('BAD_USER_INPUT');
      expect(result.errors?.[0]?.extensions?.fields[0].path).toBe(path);
    }
  });

  test('an unknown status is rejected by the schema; entries are size- and URL-checked', async () => {
    const { createInstance } = await ownerClient.ok<{ createInstance: any }>(CREATE, { i: { agentId, title: 'Checked' } });
    expect(codeOf(await ownerClient.request(UPDATE, { id: createInstance.id, i: { status: 'DANCING' } }))).toBe('BAD_USER_INPUT');
    const tooLong = await ownerClient.request(ADD_ENTRY, { id: createInstance.id, i: { title: 't', content: 'c'.repeat(1001) } });
    expect(tooLong.errors?.[0]?.extensions?.fields[0].path).toBe('input.content');
    const badUrl = await ownerClient.request(ADD_ENTRY, { id: createInstance.id, i: { title: 't', content: 'c', sourceUrl: 'ftp://x' } });
    expect(badUrl.errors?.[0]?.extensions?.fields[0].path).toBe('input.sourceUrl');
  });

  test('anonymous callers get UNAUTHENTICATED', async () => {
    expect(codeOf(await system.client().request('{ instances { id } }'))).toBe('UNAUTHENTICATED');
    expect(codeOf(await system.client().request(CREATE, { i: { agentId, title: 'x' } }))).toBe('UNAUTHENTICATED');
  });
});

describe("someone else's instance behaves exactly like a missing one", () => {
  let theirs: any;
  let entryId: string;
  beforeAll(async () => {
    theirs = (await ownerClient.ok<{ createInstance: any }>(CREATE, { i: { agentId, title: 'Private' } })).createInstance;
    entryId = (await ownerClient.ok<{ addKnowledgeBaseEntry: any }>(ADD_ENTRY, { id: theirs.id, i: { title: 't', content: 'c' } }))
      .addKnowledgeBaseEntry.id;
  });

  test('every read and write answers as for an id that does not exist', async () => {
    const eve = system.client({ token: other.accessToken });
    const attempts: [string, Record<string, unknown>][] = [
      [UPDATE, { i: { title: 'mine now' } }],
      ['mutation($id: ID!) { deleteInstance(id: $id) }', {}],
      [ADD_ENTRY, { i: { title: 't', content: 'c' } }],
    ];
    for (const [query, vars] of attempts) {
      const onTheirs = await eve.request(query, { id: theirs.id, ...vars });
      const onMissing = await eve.request(query, { id: MISSING, ...vars });
      expect(codeOf(onTheirs)).toBe('NOT_FOUND');
      expect(onTheirs.errors?.[0]?.message).toBe(onMissing.errors?.[0]?.message);
    }
    const deleteEntry = 'mutation($id: ID!) { deleteKnowledgeBaseEntry(id: $id) }';
    expect((await eve.request(deleteEntry, { id: entryId })).errors).toEqual((await eve.request(deleteEntry, { id: MISSING })).errors);
    expect((await eve.ok<{ instance: null }>('query($id: ID!) { instance(id: $id) { id } }', { id: theirs.id })).instance).toBeNull();
    expect((await eve.ok<{ instances: any[] }>('{ instances { id } }')).instances).toEqual([]);
  });

  test('admins may read anyone instance, and a user list shows its instances only to admins', async () => {
    const read = await system.client({ token: admin.accessToken }).ok<{ instance: any }>(
      'query($id: ID!) { instance(id: $id) { title owner { email } } }',
      { id: theirs.id },
    );
    expect(read.instance).toEqual({ title: 'Private', owner: { email: 'olga@example.com' } });
    const viaAdmin = await system.client({ token: admin.accessToken }).ok<{ user: any }>(
      'query($id: ID!) { user(id: $id) { instances { id } } }',
      { id: owner.user.id },
    );
    expect(viaAdmin.user.instances.map((i: any) => i.id)).toContain(theirs.id);
    // Admins may read, not write: the owner's data is changed only by the owner.
    expect(codeOf(await system.client({ token: admin.accessToken }).request(UPDATE, { id: theirs.id, i: { title: 'x' } }))).toBe('NOT_FOUND');
  });
});

describe('knowledge base pagination', () => {
  let id: string;
  beforeAll(async () => {
    id = (await ownerClient.ok<{ createInstance: any }>(CREATE, { i: { agentId, title: 'Paged' } })).createInstance.id;
    for (let n = 1; n <= 5; n++) await ownerClient.ok(ADD_ENTRY, { id, i: { title: `E${n}`, content: 'c' } });
  });
  const page = (first?: number, after?: string | null) =>
    ownerClient.ok<{ instance: any }>(ENTRIES, { id, first, after }).then((d) => d.instance.knowledgeBase.entries);

  test('a page exactly as long as the list has no next page; one shorter has', async () => {
    expect((await page(5)).pageInfo.hasNextPage).toBe(false);
    expect((await page(4)).pageInfo.hasNextPage).toBe(true);
  });

  test('cursors walk the whole list once, newest first, and past the end is empty', async () => {
    const titles: string[] = [];
    let after: string | null = null;
    for (;;) {
      const p: any = await page(2, after);
      titles.push(...p.edges.map((e: any) => e.node.title));
      if (!p.pageInfo.hasNextPage) {
        expect((await page(2, p.pageInfo.endCursor)).edges).toEqual([]);
        break;
      }
      after = p.pageInfo.endCursor;
    }
    expect(titles).toEqual(['E5', 'E4', 'E3', 'E2', 'E1']);
  });

  test('page sizes outside 1..100 and foreign cursors are BAD_USER_INPUT', async () => {
    for (const vars of [{ first: 0 }, { first: 101 }, { after: 'bm90IGEgY3Vyc29y' }]) {
      expect(codeOf(await ownerClient.request(ENTRIES, { id, ...vars }))).toBe('BAD_USER_INPUT');
    }
  });
});

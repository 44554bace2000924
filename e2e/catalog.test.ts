import { codeOf } from '../test-support/graphql-client.ts';
import { login, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

const CREATE = `mutation($i: CreateAgentInput!) { createAgent(input: $i) { id slug name description category capabilities active } }`;

let system: System;
let admin: Auth;
let member: Auth;
beforeAll(async () => {
  system = await startSystem();
  await system.createUser('curator@example.com', 'curator password', { admin: true });
  admin = (await login(system, 'curator@example.com', 'curator password')).data!.login;
  member = await register(system, 'reader@example.com', 'reader password');
});
afterAll(() => system.stop());

const agentInput = (slug: string) => ({
  slug,
  name: `Agent ${slug}`,
  description: 'Does useful things.',
  category: 'research',
  capabilities: ['web-search', 'web-search', 'summarise'],
});

describe('the agent catalog', () => {
  let agentId: string;

  test('an admin creates an agent; duplicate capabilities collapse', async () => {
    const { createAgent } = await system.client({ token: admin.accessToken }).ok<{ createAgent: any }>(CREATE, { i: agentInput('scholar') });
    agentId = createAgent.id;
    expect(createAgent).toMatchObject({ slug: 'scholar', active: true, capabilities: ['web-search', 'summarise'] });
  });

  test('everyone, signed in or not, lists active agents and reads one by id', async () => {
    const anonymous = await system.client().ok<{ agents: any[]; agent: any }>('query($id: ID!) { agents { slug } agent(id: $id) { name } }', {
      id: agentId,
    });
    expect(anonymous.agents.map((a) => a.slug)).toEqual(['scholar']);
    expect(anonymous.agent.name).toBe('Agent scholar');
  });

  test('a non-admin cannot write the catalog', async () => {
    const result = await system.client({ token: member.accessToken }).request(CREATE, { i: agentInput('sneaky') });
    expect(codeOf(result)).toBe('FORBIDDEN');
    expect(codeOf(await system.client().request(CREATE, { i: agentInput('sneaky') }))).toBe('UNAUTHENTICATED');
  });

  test('bad input names the fields, and a taken slug is a CONFLICT', async () => {
    const client = system.client({ token: admin.accessToken });
    const bad = await client.request(CREATE, { i: { ...agentInput('Not A Slug'), name: '' } });
    expect(codeOf(bad)).toBe('BAD_USER_INPUT');
    expect(bad.errors?.[0]?.extensions?.fields.map((f: any) => f.path)).toEqual(['input.slug', 'input.name']);
    expect(codeOf(await client.request(CREATE, { i: agentInput('scholar') }))).toBe('CONFLICT');
  });

  test('update changes fields; archive hides the agent from non-admins only', async () => {
    const client = system.client({ token: admin.accessToken });
    const { updateAgent } = await client.ok<{ updateAgent: any }>(
      'mutation($id: ID!) { updateAgent(id: $id, input: {name: "Scholar", capabilities: ["cite-sources"]}) { name capabilities } }',
      { id: agentId },
    );
    expect(updateAgent).toEqual({ name: 'Scholar', capabilities: ['cite-sources'] });
    await client.ok('mutation($id: ID!) { archiveAgent(id: $id) { active } }', { id: agentId });

    const seenByMember = await system.client({ token: member.accessToken }).ok<{ agents: any[]; agent: any }>(
      'query($id: ID!) { agents { id } agent(id: $id) { id } }',
      { id: agentId },
    );
    expect(seenByMember).toEqual({ agents: [], agent: null });
    const seenByAdmin = await client.ok<{ agents: any[] }>('{ agents(includeArchived: true) { id active } }');
    expect(seenByAdmin.agents).toEqual([{ id: agentId, active: false }]);
  });

  test('an unknown id is NOT_FOUND for writes and null for reads', async () => {
    const client = system.client({ token: admin.accessToken });
    expect(codeOf(await client.request('mutation { archiveAgent(id: "x") { id } }'))).toBe('NOT_FOUND');
    expect((await client.ok<{ agent: null }>('{ agent(id: "00000000-0000-4000-8000-000000000000") { id } }')).agent).toBeNull();
  });
});

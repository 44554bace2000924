import { withClient } from '../test-support/database.ts';
import { codeOf } from '../test-support/graphql-client.ts';
import { createAgentAsAdmin, register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * The conversations subgraph learns instances, knowledge bases and entries from the instances
 * subgraph's change events (its own replica), never from the instances schema.
 */
const CREATE_INSTANCE = 'mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }';
const ADD_ENTRY = 'mutation($id: ID!, $e: KnowledgeBaseEntryInput!) { addKnowledgeBaseEntry(instanceId: $id, input: $e) { id } }';
const CREATE_CONVERSATION = 'mutation($i: CreateConversationInput!) { createConversation(input: $i) { id instance { id title agent { name } } } }';

let system: System;
let ann: Auth;
let ben: Auth;
let agentId: string;
beforeAll(async () => {
  system = await startSystem({}, { cdc: 'in-process' });
  agentId = await createAgentAsAdmin(system, 'librarian', 'Librarian');
  ann = await register(system, 'ann@example.com');
  ben = await register(system, 'ben@example.com');
}, 60_000);
afterAll(() => system.stop());

const as = (auth: Auth) => system.client({ token: auth.accessToken });
const replicaRows = (sql: string, params: unknown[]) =>
  withClient(system.instances.deps.config.DATABASE_URL, async (c) => (await c.query(sql, params)).rows);

/** Polls until the replica has caught up with a change (it follows the change log, so milliseconds). */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the instances replica', () => {
  test('a conversation talks to one of its owner’s instances, resolved across subgraphs; someone else’s is NOT_FOUND', async () => {
    const instanceId = (await as(ann).ok<{ createInstance: { id: string } }>(CREATE_INSTANCE, { i: { agentId, title: 'My librarian' } })).createInstance.id;
    const created = await eventually('the instance in the replica', async () => {
      const result = await as(ann).request<{ createConversation: any }>(CREATE_CONVERSATION, { i: { title: 'Ask the librarian', instanceId } });
      return result.data?.createConversation ?? undefined;
    });
    expect(created.instance).toEqual({ id: instanceId, title: 'My librarian', agent: { name: 'Librarian' } });
    expect(codeOf(await as(ben).request(CREATE_CONVERSATION, { i: { title: 'Not mine', instanceId } }))).toBe('NOT_FOUND');
    expect(codeOf(await as(ann).request(CREATE_CONVERSATION, { i: { title: 'x', instanceId: 'nope' } }))).toBe('BAD_USER_INPUT');
  });

  test('entries added and removed, renames and deletions reach the replica from change events', async () => {
    const instanceId = (await as(ann).ok<{ createInstance: { id: string } }>(CREATE_INSTANCE, { i: { agentId, title: 'Shelf' } })).createInstance.id;
    const entryId = (await as(ann).ok<{ addKnowledgeBaseEntry: { id: string } }>(ADD_ENTRY, { id: instanceId, e: { title: 'Opening hours', content: 'We open at nine and close at five.' } }))
      .addKnowledgeBaseEntry.id;
    const entries = () =>
      replicaRows(
        `select e.id, e.title from conversations.entry_replica e join conversations.knowledge_base_replica k on k.id = e.knowledge_base_id where k.instance_id = $1`,
        [instanceId],
      );
    await eventually('the entry', async () => ((await entries()).length === 1 ? true : undefined));
    expect(await entries()).toEqual([{ id: entryId, title: 'Opening hours' }]);
    // Searchable by meaning of words, not exact text (full-text, English stemming).
    const found = await replicaRows(`select id from conversations.entry_replica where search @@ websearch_to_tsquery('english', 'closing')`, []);
    expect(found).toContainEqual({ id: entryId });

    await as(ann).ok('mutation($id: ID!) { deleteKnowledgeBaseEntry(id: $id) }', { id: entryId });
    await eventually('the removal', async () => ((await entries()).length === 0 ? true : undefined));

    await as(ann).ok('mutation($id: ID!) { updateInstance(id: $id, input: {title: "Shelf two"}) { id } }', { id: instanceId });
    await eventually('the rename', async () => {
      const [row] = await replicaRows('select title from conversations.instance_replica where id = $1', [instanceId]);
      return row?.title === 'Shelf two' ? true : undefined;
    });
    await as(ann).ok('mutation($id: ID!) { deleteInstance(id: $id) }', { id: instanceId });
    await eventually('the deletion', async () => ((await replicaRows('select 1 from conversations.instance_replica where id = $1', [instanceId])).length === 0 ? true : undefined));
    expect(codeOf(await as(ann).request(CREATE_CONVERSATION, { i: { title: 'gone', instanceId } }))).toBe('NOT_FOUND');
  });

  test('it keeps where it stopped: each followed channel has its cursor stored with what it applied', async () => {
    const cursors = await replicaRows('select channel from conversations.replication_cursor order by channel', []);
    expect(cursors.map((r) => r.channel)).toEqual(['instances.instance-events', 'instances.knowledge-base-entry-events', 'instances.knowledge-base-events']);
  });
});

import { login, register, type Auth } from '../test-support/journeys.ts';
import { codeOf } from '../test-support/graphql-client.ts';
import { startSystem, type System } from '../test-support/system.ts';

/** People talking through the conversations subgraph, federated with users through the gateway. */
const CREATE = 'mutation($i: CreateConversationInput!) { createConversation(input: $i) { id title participants { id name } unreadCount createdAt } }';
const SEND = 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id content role status isRead author { id name } parent { id content } conversationId } reply { id } } }';
const CONVERSATION = `query($id: ID!, $first: Int, $after: String) { conversation(id: $id) { id unreadCount lastMessageAt
  messages(first: $first, after: $after) { edges { cursor node { id content isRead author { name } parent { id } } } pageInfo { hasNextPage endCursor } } } }`;

let system: System;
let ann: Auth;
let ben: Auth;
let cid: string;
beforeAll(async () => {
  system = await startSystem();
  ann = await register(system, 'ann@example.com', 'correct horse battery', 'Ann');
  ben = await register(system, 'ben@example.com', 'correct horse battery', 'Ben');
}, 60_000);
afterAll(() => system.stop());

const as = (auth: Auth) => system.client({ token: auth.accessToken });

describe('conversations between people', () => {
  test('Ann starts a conversation with Ben; both are in it, the owner first, with names from the users subgraph', async () => {
    const { createConversation } = await as(ann).ok<{ createConversation: any }>(CREATE, { i: { title: '  Lunch  ', participantIds: [ben.user.id, ben.user.id, ann.user.id] } });
    cid = createConversation.id;
    expect(createConversation).toMatchObject({ title: 'Lunch', unreadCount: 0, participants: [{ id: ann.user.id, name: 'Ann' }, { id: ben.user.id, name: 'Ben' }] });
  });

  test('they exchange messages and a reply; read state follows each of them', async () => {
    const first = (await as(ann).ok<{ sendMessage: any }>(SEND, { i: { conversationId: cid, content: 'Noon at the usual place?' } })).sendMessage;
    expect(first).toMatchObject({ message: { role: 'USER', status: 'COMPLETED', isRead: true, author: { name: 'Ann' }, parent: null, conversationId: cid }, reply: null });

    // Ben has one unread message; Ann (its author) none.
    expect((await as(ben).ok<{ conversation: any }>(CONVERSATION, { id: cid })).conversation.unreadCount).toBe(1);
    expect((await as(ann).ok<{ conversation: any }>(CONVERSATION, { id: cid })).conversation.unreadCount).toBe(0);
    const seenByBen = (await as(ben).ok<{ conversation: any }>(CONVERSATION, { id: cid })).conversation.messages.edges[0].node;
    expect(seenByBen).toMatchObject({ content: 'Noon at the usual place?', isRead: false });

    const reply = (await as(ben).ok<{ sendMessage: any }>(SEND, { i: { conversationId: cid, content: 'Yes, see you there', parentId: first.message.id } })).sendMessage;
    expect(reply.message.parent).toEqual({ id: first.message.id, content: 'Noon at the usual place?' });
    // Ben marks what he has read; Ann now has Ben's reply unread.
    await as(ben).ok('mutation($c: ID!, $m: ID) { markRead(conversationId: $c, upTo: $m) { id } }', { c: cid, m: first.message.id });
    const ben2 = (await as(ben).ok<{ conversation: any }>(CONVERSATION, { id: cid })).conversation;
    expect(ben2.unreadCount).toBe(0);
    expect(ben2.messages.edges.map((e: any) => [e.node.content, e.node.isRead])).toEqual([
      ['Yes, see you there', true],
      ['Noon at the usual place?', true],
    ]);
    const ann2 = (await as(ann).ok<{ conversation: any }>(CONVERSATION, { id: cid })).conversation;
    expect(ann2.unreadCount).toBe(1);
    const marked = await as(ann).ok<{ markRead: any }>('mutation($c: ID!) { markRead(conversationId: $c) { unreadCount } }', { c: cid });
    expect(marked.markRead.unreadCount).toBe(0);
    // Marking an older message read again does not move the read position back.
    await as(ann).ok('mutation($c: ID!, $m: ID) { markRead(conversationId: $c, upTo: $m) { id } }', { c: cid, m: first.message.id });
    expect((await as(ann).ok<{ conversation: any }>(CONVERSATION, { id: cid })).conversation.unreadCount).toBe(0);
  });

  test('messages page newest first with cursors; conversations list by last activity, also as User.conversations', async () => {
    for (let n = 0; n < 5; n++) await as(ann).ok(SEND, { i: { conversationId: cid, content: `page ${n}` } });
    const p1 = (await as(ben).ok<{ conversation: any }>(CONVERSATION, { id: cid, first: 3 })).conversation.messages;
    expect(p1.edges.map((e: any) => e.node.content)).toEqual(['page 4', 'page 3', 'page 2']);
    expect(p1.pageInfo.hasNextPage).toBe(true);
    const p2 = (await as(ben).ok<{ conversation: any }>(CONVERSATION, { id: cid, first: 3, after: p1.pageInfo.endCursor })).conversation.messages;
    expect(p2.edges.map((e: any) => e.node.content)).toEqual(['page 1', 'page 0', 'Yes, see you there']);

    const other = (await as(ben).ok<{ createConversation: any }>(CREATE, { i: { title: 'Ben alone' } })).createConversation.id;
    const list = await as(ben).ok<{ conversations: any; me: any }>('{ conversations(first: 10) { edges { node { id title } } } me { conversations(first: 10) { edges { node { id } } } } }');
    expect(list.conversations.edges.map((e: any) => e.node.id)).toEqual([other, cid]);
    expect(list.me.conversations.edges.map((e: any) => e.node.id)).toEqual([other, cid]);
    // A message moves a conversation to the top.
    await as(ann).ok(SEND, { i: { conversationId: cid, content: 'bump' } });
    const again = await as(ben).ok<{ conversations: any }>('{ conversations(first: 1) { edges { node { id } } pageInfo { hasNextPage } } }');
    expect(again.conversations).toEqual({ edges: [{ node: { id: cid } }], pageInfo: { hasNextPage: true } });
  });

  test('a retried send with the same clientRequestId returns the first message, not a second one', async () => {
    const send = () => as(ann).ok<{ sendMessage: any }>(SEND, { i: { conversationId: cid, content: 'once', clientRequestId: 'req-42' } });
    const [a, b] = await Promise.all([send(), send()]);
    const c = await send();
    expect(new Set([a.sendMessage.message.id, b.sendMessage.message.id, c.sendMessage.message.id]).size).toBe(1);
    const other = (await as(ann).ok<{ createConversation: any }>(CREATE, { i: { title: 'elsewhere' } })).createConversation.id;
    const reused = await as(ann).request(SEND, { i: { conversationId: other, content: 'x', clientRequestId: 'req-42' } });
    expect(codeOf(reused)).toBe('CONFLICT');
  });
});

describe('who sees what', () => {
  test('someone outside a conversation finds nothing: null, NOT_FOUND for actions, no participants leak', async () => {
    const eve = await register(system, 'eve@example.com', 'correct horse battery', 'Eve');
    expect((await as(eve).ok<{ conversation: unknown }>(CONVERSATION, { id: cid })).conversation).toBeNull();
    expect(codeOf(await as(eve).request(SEND, { i: { conversationId: cid, content: 'hi' } }))).toBe('NOT_FOUND');
    expect(codeOf(await as(eve).request('mutation($c: ID!) { markRead(conversationId: $c) { id } }', { c: cid }))).toBe('NOT_FOUND');
    expect(codeOf(await as(eve).request('mutation($c: ID!) { deleteConversation(id: $c) }', { c: cid }))).toBe('NOT_FOUND');
    // Not even an admin reads someone's list of conversations.
    await system.createUser('root@example.com', 'root password long', { admin: true });
    const root = await login(system, 'root@example.com', 'root password long');
    const theirs = await system.client({ token: root.data?.login.accessToken }).ok<{ user: any }>('query($id: ID!) { user(id: $id) { conversations { edges { node { id } } } } }', { id: ann.user.id });
    expect(theirs.user.conversations.edges).toEqual([]);
    expect(codeOf(await system.client().request('{ conversations { edges { node { id } } } }'))).toBe('UNAUTHENTICATED');
  });

  test('only the owner deletes a conversation, and it is gone for everyone', async () => {
    expect(codeOf(await as(ben).request('mutation($c: ID!) { deleteConversation(id: $c) }', { c: cid }))).toBe('FORBIDDEN');
    expect((await as(ann).ok<{ deleteConversation: string }>('mutation($c: ID!) { deleteConversation(id: $c) }', { c: cid })).deleteConversation).toBe(cid);
    expect((await as(ben).ok<{ conversation: unknown }>(CONVERSATION, { id: cid })).conversation).toBeNull();
  });

  test('bad input is BAD_USER_INPUT naming the field', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const cases: [string, Record<string, unknown>, string][] = [
      [CREATE, { i: { title: '   ' } }, 'input.title'],
      [CREATE, { i: { title: 'x', participantIds: ['not-an-id'] } }, 'input.participantIds.0'],
      [CREATE, { i: { title: 'x', participantIds: [unknown] } }, 'input.participantIds'],
      [SEND, { i: { conversationId: unknown, content: '' } }, 'input.content'],
    ];
    for (const [query, variables, path] of cases) {
      const result = await as(ann).request(query, variables);
      expect([path, codeOf(result)]).toEqual([path, 'BAD_USER_INPUT']);
      expect(result.errors?.[0]?.extensions?.fields.map((f: any) => f.path)).toContain(path);
    }
  });
});

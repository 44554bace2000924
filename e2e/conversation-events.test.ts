import { register, type Auth } from '../test-support/journeys.ts';
import { type EventResult, SubscriptionProbe } from '../test-support/subscriptions.ts';
import { startSystem, type System } from '../test-support/system.ts';

/**
 * Conversations through change capture, like instances: messages and read positions reach every
 * participant live, resumable with `after`, and nobody else.
 */
const EVENTS = `subscription($c: ID, $after: String) { conversationEvents(conversationId: $c, after: $after) {
  type conversationId sequence reader { id name } message { id content author { name } } } }`;
const SEND = 'mutation($i: SendMessageInput!) { sendMessage(input: $i) { message { id } } }';

let system: System;
let ann: Auth;
let ben: Auth;
let eve: Auth;
let cid: string;
const probes: SubscriptionProbe[] = [];
const listen = (auth: Auth, variables: Record<string, unknown>) => {
  const p = new SubscriptionProbe(system.gatewayUrl, { token: auth.accessToken }).subscribe(EVENTS, variables);
  probes.push(p);
  return p;
};
const as = (auth: Auth) => system.client({ token: auth.accessToken });
const cursorFor = async (auth: Auth) => (await as(auth).ok<{ eventCursor: string }>('{ eventCursor }')).eventCursor;
const of = (results: EventResult[], type: string) => results.filter((r) => r.data?.conversationEvents.type === type).map((r) => r.data?.conversationEvents);

beforeAll(async () => {
  system = await startSystem({}, { cdc: 'in-process' });
  ann = await register(system, 'ann@example.com', 'correct horse battery', 'Ann');
  ben = await register(system, 'ben@example.com', 'correct horse battery', 'Ben');
  eve = await register(system, 'eve@example.com', 'correct horse battery', 'Eve');
  cid = (
    await as(ann).ok<{ createConversation: { id: string } }>('mutation($i: CreateConversationInput!) { createConversation(input: $i) { id } }', {
      i: { title: 'Plans', participantIds: [ben.user.id] },
    })
  ).createConversation.id;
}, 60_000);
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await system.stop();
});

describe('conversation events', () => {
  test('a message reaches every participant live, and a read position reaches the others; never an outsider', async () => {
    const [annCursor, benCursor, eveCursor] = await Promise.all([cursorFor(ann), cursorFor(ben), cursorFor(eve)]);
    const annHears = listen(ann, { c: cid, after: annCursor });
    const benHears = listen(ben, { after: benCursor });
    const eveHears = listen(eve, { after: eveCursor });

    const sent = (await as(ann).ok<{ sendMessage: { message: { id: string } } }>(SEND, { i: { conversationId: cid, content: 'Friday?' } })).sendMessage.message.id;
    await benHears.until((r) => of(r, 'MESSAGE_ADDED').length === 1);
    expect(of(benHears.results, 'MESSAGE_ADDED')[0]).toMatchObject({ conversationId: cid, message: { id: sent, content: 'Friday?', author: { name: 'Ann' } } });

    await as(ben).ok('mutation($c: ID!) { markRead(conversationId: $c) { id } }', { c: cid });
    await annHears.until((r) => of(r, 'READ').some((e) => e.reader.id === ben.user.id));
    expect(of(annHears.results, 'READ').find((e) => e.reader.id === ben.user.id)).toMatchObject({ reader: { name: 'Ben' }, message: { id: sent } });

    await new Promise((r) => setTimeout(r, 300));
    expect(eveHears.results).toEqual([]);
  });

  test('a participant away for N messages comes back with the last sequence and gets exactly those N, in order', async () => {
    const first = listen(ben, { c: cid, after: await cursorFor(ben) });
    await as(ann).ok(SEND, { i: { conversationId: cid, content: 'before' } });
    await first.until((r) => of(r, 'MESSAGE_ADDED').length === 1);
    const last = first.results.at(-1)?.data?.conversationEvents.sequence as string;
    await first.close();

    for (let n = 0; n < 5; n++) await as(ann).ok(SEND, { i: { conversationId: cid, content: `while away ${n}` } });
    const back = listen(ben, { c: cid, after: last });
    await back.until((r) => of(r, 'MESSAGE_ADDED').length >= 5);
    await new Promise((r) => setTimeout(r, 300));
    expect(of(back.results, 'MESSAGE_ADDED').map((e) => e.message.content)).toEqual([0, 1, 2, 3, 4].map((n) => `while away ${n}`));
  });
});

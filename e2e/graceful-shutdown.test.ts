import WebSocket from 'ws';
import { register, type Auth } from '../test-support/journeys.ts';
import { startSystem, type System } from '../test-support/system.ts';

let system: System;
let ann: Auth;
beforeAll(async () => {
  system = await startSystem();
  ann = await register(system, 'ann@example.com');
});
afterAll(() => system.stop());

describe('a gateway shutting down', () => {
  test('completes open subscriptions without an error, then closes their sockets with 1001, and takes no new ones', async () => {
    const socket = new WebSocket(system.gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const frames: any[] = [];
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.on('message', (raw) => {
      const frame = JSON.parse(raw.toString());
      frames.push(frame);
      if (frame.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: 'a', type: 'subscribe', payload: { query: 'subscription { instanceEvents { type } }' } }));
      }
    });
    await new Promise((r) => socket.on('open', r));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${ann.accessToken}` } }));
    while (!frames.some((f) => f.type === 'connection_ack')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));

    const stopping = system.gateway.stop();
    expect(await closed).toBe(1001);
    await stopping;
    // Stopped here: the system's own stop must not stop it twice.
    Object.assign(system, { gateway: { ...system.gateway, stop: async () => {} } });
    expect(frames.filter((f) => f.type === 'error' || (f.type === 'next' && f.payload.errors))).toEqual([]);
    expect(frames.some((f) => f.type === 'complete' && f.id === 'a')).toBe(true);
  });
});

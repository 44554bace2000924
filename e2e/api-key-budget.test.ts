import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { startSystem, type System } from '../test-support/system.ts';

let system: System;
beforeAll(async () => {
  system = await startSystem();
});
afterAll(() => system.stop());

/** A partner call of the manifest's ListAgents, by id, as partners must call. */
async function listAgents(key: string) {
  const manifest = JSON.parse(await readFile('schema/persisted-queries.json', 'utf8')) as { operations: { id: string; name: string }[] };
  const id = manifest.operations.find((o) => o.name === 'ListAgents')?.id;
  const res = await fetch(system.gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ operationName: 'ListAgents', extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
  });
  return { status: res.status, body: (await res.json()) as { errors?: { extensions?: { code?: string } }[] } };
}

const randomKey = () => `atr_${'abcdefgh'}_${randomBytes(32).toString('base64url')}`;

describe('random API keys from one address', () => {
  test('past a small budget of refusals are refused at the edge without asking the users subgraph', async () => {
    for (let i = 0; i < 20; i++) {
      expect((await listAgents(randomKey())).status).toBe(401);
    }
    // With the users subgraph gone, a key that reached it would answer 503; one refused at the edge answers 401.
    await system.users.stop();
    const result = await listAgents(randomKey());
    expect(result.status).toBe(401);
    expect(result.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

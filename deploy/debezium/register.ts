import { readFile } from 'node:fs/promises';

/**
 * Registers (or updates) the Debezium connector kept in this folder with Kafka Connect's REST API:
 * `PUT /connectors/<name>/config` is idempotent, so this one-shot can run on every deploy.
 * Usage: CONNECT_URL=http://connect:8083 node deploy/debezium/register.ts
 */
const connectUrl = process.env.CONNECT_URL ?? 'http://localhost:8083';
const file = new URL('./atrium-postgres.json', import.meta.url);
const { name, config } = JSON.parse(await readFile(file, 'utf8')) as { name: string; config: Record<string, string> };
for (let attempt = 1; ; attempt++) {
  try {
    const res = await fetch(`${connectUrl}/connectors/${name}/config`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(config),
    });
    if (!res.ok) throw new Error(`Kafka Connect answered ${res.status}: ${await res.text()}`);
    console.log(`connector ${name} registered at ${connectUrl}`);
    break;
  } catch (err) {
    if (attempt >= 30) {
      console.error(`could not register connector ${name}: ${(err as Error).message}`);
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

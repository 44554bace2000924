import { readFile } from 'node:fs/promises';

/**
 * Registers Debezium's Postgres connector on the suite's Kafka Connect worker with the very JSON
 * docker-compose.yml and k8s/ use (deploy/debezium/atrium-postgres.json), pointed at one test
 * database, slot, publication and topic prefix; resolves once its task runs.
 */
export async function registerDebezium(opts: {
  connectUrl: string;
  databaseUrl: string;
  name: string;
  topicPrefix: string;
  /** Settings that differ from the deployed connector (e.g. another table.include.list in a conformance test). */
  overrides?: Record<string, string>;
}) {
  const { config } = JSON.parse(await readFile('deploy/debezium/atrium-postgres.json', 'utf8')) as { config: Record<string, string> };
  const db = new URL(opts.databaseUrl);
  const body = {
    ...config,
    'database.hostname': db.hostname,
    'database.port': db.port || '5432',
    'database.user': decodeURIComponent(db.username) || 'postgres',
    'database.password': decodeURIComponent(db.password) || 'postgres',
    'database.dbname': db.pathname.slice(1),
    'topic.prefix': opts.topicPrefix,
    'slot.name': opts.name,
    'publication.name': opts.name,
    ...opts.overrides,
  };
  const url = `${opts.connectUrl}/connectors/${opts.name}`;
  const put = await fetch(`${url}/config`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!put.ok) throw new Error(`Kafka Connect refused the connector: ${put.status} ${await put.text()}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = (await (await fetch(`${url}/status`)).json().catch(() => ({}))) as { tasks?: { state: string; trace?: string }[] };
    const task = status.tasks?.[0];
    if (task?.state === 'RUNNING') break;
    if (task?.state === 'FAILED') throw new Error(`Debezium's task failed: ${task.trace?.split('\n')[0]}`);
    if (Date.now() > deadline) throw new Error(`Debezium's connector ${opts.name} did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    /** Deletes the connector; its slot goes with the test database. */
    async remove() {
      await fetch(url, { method: 'DELETE' }).catch(() => {});
    },
  };
}

import os from 'node:os';
import pg from 'pg';
import globalSetup from '../test-support/global-setup.ts';
import globalTeardown from '../test-support/global-teardown.ts';
import { register } from '../test-support/journeys.ts';
import { SubscriptionProbe, untilLive } from '../test-support/subscriptions.ts';
import { startSystem } from '../test-support/system.ts';
import { Agent } from '../subgraphs/catalog/src/agent/agent.entity.ts';

/**
 * Commit-to-client latency and sustained change rate of federated subscriptions, through the whole
 * path: PostgreSQL WAL -> Debezium on Kafka Connect -> Apache Kafka -> bridge -> change log (Redis)
 * -> instances subgraph -> gateway (plan's rest: the agent's name from the catalog) -> graphql-ws clients.
 * Usage: npm run bench:subscriptions [-- 1,100,1000]
 *   BENCH_CDC=debezium (default) | kafka (the relay instead of Debezium) | in-process (npm start's path, no broker)
 * Each latency is split where the event is appended to the change log (its cursor carries the
 * append time): commit -> log is capture, Kafka and the bridge; log -> client is delivery.
 */
const counts = (process.argv[2] ?? '1,100,1000').split(',').map(Number);
const LATENCY_CHANGES = 40;
const BURST_CHANGES = Number(process.env.BENCH_BURST ?? 100);

await globalSetup();
const CDC_PATHS = ['debezium', 'kafka', 'in-process'] as const;
const cdc = (process.env.BENCH_CDC ?? 'debezium') as (typeof CDC_PATHS)[number];
if (!CDC_PATHS.includes(cdc)) throw new Error(`BENCH_CDC must be one of ${CDC_PATHS.join(', ')}`);
// The per-user caps guard against one account holding thousands of sockets; the benchmark is that account.
const system = await startSystem(
  { LOG_LEVEL: 'silent', ACCESS_TOKEN_TTL: '3600', WS_MAX_SOCKETS_PER_USER: '5000', WS_MAX_SUBSCRIPTIONS_PER_USER: '5000', WS_MAX_SOCKETS_PER_ADDRESS: '5000' },
  { cdc },
);
const owner = await register(system, 'bench@example.com');
const em = system.catalog.deps.orm.em.fork();
const agent = em.create(Agent, { slug: 'bench', name: 'Bench agent', description: 'd', category: 'c' });
await em.flush();
const client = system.client({ token: owner.accessToken });
const { createInstance } = await client.ok<{ createInstance: { id: string } }>(
  'mutation($i: CreateInstanceInput!) { createInstance(input: $i) { id } }',
  { i: { agentId: agent.id, title: 'bench' } },
);
const instanceId = createInstance.id;
const db = new pg.Pool({ connectionString: system.instances.deps.config.DATABASE_URL, max: 4 });
const change = (title: string) => db.query('update instances.instance set title = $2, updated_at = now() where id = $1', [instanceId, title]);
const QUERY = 'subscription($id: ID) { instanceEvents(instanceId: $id) { type sequence instance { title agent { name } } } }';
/** When the bridge appended the event: the ms part of its cursor (the log's clock is this machine's Redis). */
const appendedAt = (sequence: unknown) => Number(String(sequence).split('-')[0]);
/**
 * `same` (default): every subscriber is a connection of the owner, as one person's tabs and devices.
 * `distinct`: every subscriber is its own admin account (admins may watch any instance), so the
 * gateway resolves every delivery separately.
 */
const accounts = process.env.BENCH_ACCOUNTS === 'distinct' ? 'distinct' : 'same';
const tokens: string[] = [];
async function tokenFor(i: number): Promise<string> {
  if (accounts === 'same') return owner.accessToken;
  while (tokens.length <= i) {
    const email = `watcher${tokens.length}@example.com`;
    await system.createUser(email, 'watcher password', { admin: true });
    const { login } = await system.client().ok<{ login: { accessToken: string } }>(
      `mutation { login(input: {email: "${email}", password: "watcher password"}) { accessToken } }`,
    );
    tokens.push(login.accessToken);
  }
  return tokens[i] as string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const rows: string[] = [];
for (const n of counts) {
  const probes: SubscriptionProbe[] = [];
  for (let i = 0; i < n; i++) {
    probes.push(new SubscriptionProbe(system.gatewayUrl, { token: await tokenFor(i) }).subscribe(QUERY, { id: instanceId }));
  }
  // Every subscriber must be live before measuring: poke until each has seen an event.
  await untilLive(probes[0] as SubscriptionProbe, () => change(`warm ${Date.now()}`), 60_000);
  for (const p of probes) await untilLive(p, () => change(`warm ${Date.now()}`), 60_000);
  for (const p of probes) p.results.length = 0;

  // Latency: changes spaced below saturation (deliveries grow with subscribers), each title carrying its commit time.
  const spacingMs = Math.max(50, accounts === 'distinct' ? n * 2 : n / 2);
  const latencies: number[] = [];
  const toLog: number[] = [];
  const toClient: number[] = [];
  const stamp = new Map<string, number>();
  const wall = new Map<string, number>();
  for (let i = 0; i < LATENCY_CHANGES; i++) {
    const title = `lat ${n} ${i}`;
    // The clock starts when the commit returns: the event cannot exist before.
    await change(title);
    stamp.set(title, performance.now());
    wall.set(title, Date.now());
    await new Promise((r) => setTimeout(r, spacingMs));
  }
  const expectTitles = (prefix: string, total: number) => (p: SubscriptionProbe) =>
    p.results.filter((r) => String(r.data?.instanceEvents?.instance?.title ?? '').startsWith(prefix)).length >= total;
  await Promise.all(probes.map((p) => p.until(() => expectTitles(`lat ${n} `, LATENCY_CHANGES)(p), 120_000)));
  for (const p of probes) {
    for (const r of p.results) {
      const title = String(r.data?.instanceEvents?.instance?.title);
      const sent = stamp.get(title);
      if (r.receivedAt !== undefined && sent !== undefined) {
        latencies.push(r.receivedAt - sent);
        const logged = appendedAt(r.data?.instanceEvents?.sequence) - (wall.get(title) as number);
        toLog.push(logged);
        toClient.push(r.receivedAt - sent - logged);
      }
    }
  }
  for (const p of probes) p.results.length = 0;

  // Throughput: a burst of changes as fast as four connections commit them; rate = changes fully delivered per second.
  const started = performance.now();
  await Promise.all(
    Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < BURST_CHANGES; i += 4) await change(`burst ${n} ${i}`);
    }),
  );
  await Promise.all(probes.map((p) => p.until(() => expectTitles(`burst ${n} `, BURST_CHANGES)(p), 300_000)));
  const seconds = (performance.now() - started) / 1000;
  const errors = probes.reduce((sum, p) => sum + p.results.filter((r) => r.errors).length, 0);
  await Promise.all(probes.map((p) => p.close()));

  for (const list of [latencies, toLog, toClient]) list.sort((a, b) => a - b);
  rows.push(
    `| ${n} | ${spacingMs} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${percentile(toLog, 50).toFixed(0)} / ${percentile(toLog, 99).toFixed(0)} | ${percentile(toClient, 50).toFixed(0)} / ${percentile(toClient, 99).toFixed(0)} | ${(BURST_CHANGES / seconds).toFixed(0)} | ${((BURST_CHANGES * n) / seconds).toFixed(0)} | ${errors} |`,
  );
  console.log(rows.at(-1));
}

console.log(`\npath: ${cdc}; subscribers: ${accounts === 'same' ? 'one account' : 'distinct accounts'}; machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString()}`);
console.log('| subscribers | change every (ms) | p50 ms | p95 ms | p99 ms | commit -> log p50 / p99 | log -> client p50 / p99 | burst: changes/s (all delivered) | deliveries/s | errors |');
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of rows) console.log(row);

await db.end();
await system.stop();
await globalTeardown();
process.exit(0);

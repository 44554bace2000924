import globalSetup from '../test-support/global-setup.ts';
import globalTeardown from '../test-support/global-teardown.ts';
import { startSystem } from '../test-support/system.ts';

/**
 * Login latency through the gateway, against the same call straight to the users subgraph, with
 * the production bcrypt cost. Prints percentiles and the gateway's overhead as a ratio.
 * Usage: npm run bench:login [-- ROUNDS]   (uses DATABASE_URL/REDIS_URL, or starts its own)
 */
const rounds = Number(process.argv[2] ?? 40);
const cost = process.env.BCRYPT_COST ?? '12';
await globalSetup();
const system = await startSystem({ BCRYPT_COST: cost, LOGIN_MAX_FAILURES: '100000' });

const LOGIN = 'mutation { login(input: {email: "bench@example.com", password: "bench password"}) { accessToken } }';
await system.createUser('bench@example.com', 'bench password');

async function time(url: string, query: string, token?: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return performance.now() - started;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
  return { p50: at(50), p95: at(95), p99: at(99), mean: samples.reduce((a, b) => a + b, 0) / samples.length };
}

async function measure(label: string, url: string, query: string, token?: string) {
  for (let i = 0; i < 3; i++) await time(url, query, token); // warm-up: connections, JWKS, plans
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await time(url, query, token));
  const s = summary(samples);
  console.log(`${label.padEnd(34)} p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (n=${rounds})`);
  return s;
}

console.log(`login benchmark, bcrypt cost ${cost}, ${rounds} sequential requests each\n`);
const viaGateway = await measure('login via gateway', system.gatewayUrl, LOGIN);
const direct = await measure('login direct to users subgraph', system.users.url, LOGIN);
const token = (
  (await (
    await fetch(system.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LOGIN }) })
  ).json()) as { data: { login: { accessToken: string } } }
).data.login.accessToken;
const meGateway = await measure('me via gateway', system.gatewayUrl, '{ me { id email } }', token);
const meDirect = await measure('me direct to users subgraph', system.users.url, '{ me { id email } }', token);
console.log(`\ngateway/direct p50 ratio: login ${(viaGateway.p50 / direct.p50).toFixed(2)}x, me ${(meGateway.p50 / meDirect.p50).toFixed(2)}x`);
console.log(`gateway overhead p50: login +${(viaGateway.p50 - direct.p50).toFixed(1)} ms, me +${(meGateway.p50 - meDirect.p50).toFixed(1)} ms`);

await system.stop();
await globalTeardown();
process.exit(0);

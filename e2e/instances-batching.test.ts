import { Agent } from '../subgraphs/catalog/src/agent/agent.entity.ts';
import { Instance } from '../subgraphs/instances/src/instance/instance.entity.ts';
import { KnowledgeBase } from '../subgraphs/instances/src/knowledge-base/knowledge-base.entity.ts';
import { register, type Auth } from '../test-support/journeys.ts';
import { readCounter } from '../test-support/metrics.ts';
import { startSystem, type System } from '../test-support/system.ts';

const INSTANCES = 100;
const AGENTS = 25;

let system: System;
let user: Auth;
beforeAll(async () => {
  system = await startSystem();
  user = await register(system, 'many@example.com');
  // Set-up writes straight through each subgraph's own ORM: the measured request is what matters.
  const catalogEm = system.catalog.deps.orm.em.fork();
  const agents = Array.from({ length: AGENTS }, (_, n) =>
    catalogEm.create(Agent, { slug: `agent-${n}`, name: `Agent ${n}`, description: 'd', category: 'c' }),
  );
  await catalogEm.flush();
  const em = system.instances.deps.orm.em.fork();
  for (let n = 0; n < INSTANCES; n++) {
    const instance = em.create(Instance, { ownerId: user.user.id, agentId: agents[n % AGENTS]!.id, title: `Instance ${n}` });
    em.create(KnowledgeBase, { instance });
  }
  await em.flush();
});
afterAll(() => system.stop());

/** The counters the N+1 guarantee is about, read from each service's /metrics. */
async function snapshot() {
  const sql = (url: string) => readCounter(url, 'atrium_db_queries_total');
  const fetches = (subgraph: string) => readCounter(system.gatewayUrl, 'atrium_subgraph_requests_total', { subgraph });
  return {
    sql: { users: await sql(system.users.url), instances: await sql(system.instances.url), catalog: await sql(system.catalog.url) },
    fetches: { users: await fetches('users'), instances: await fetches('instances'), catalog: await fetches('catalog') },
  };
}

const diff = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(Object.keys(a).map((k) => [k, (b[k] ?? 0) - (a[k] ?? 0)]));

describe('batching across subgraphs', () => {
  test(`me { instances { agent { name } } } with ${INSTANCES} instances costs one fetch and one SQL query per subgraph`, async () => {
    const client = system.client({ token: user.accessToken });
    const query = '{ me { instances { id agent { name } } } }';
    await client.ok(query); // warm-up: plans, JWKS, connection pools
    const before = await snapshot();
    const data = await client.ok<{ me: { instances: { agent: { name: string } }[] } }>(query);
    const after = await snapshot();

    expect(data.me.instances).toHaveLength(INSTANCES);
    expect(new Set(data.me.instances.map((i) => i.agent.name)).size).toBe(AGENTS);
    const fetches = diff(before.fetches, after.fetches);
    const sql = diff(before.sql, after.sql);
    console.log(`me { instances { agent { name } } } x${INSTANCES}: subgraph fetches ${JSON.stringify(fetches)}, SQL ${JSON.stringify(sql)}`);
    expect(fetches).toEqual({ users: 1, instances: 1, catalog: 1 });
    expect(sql.instances).toBe(1);
    expect(sql.catalog).toBe(1);
    // The users subgraph checks the caller's session: one query, whatever the number of instances.
    expect(sql.users).toBeLessThanOrEqual(2);
  });

  test('adding knowledge bases to the selection adds one batched query, not one per instance', async () => {
    const client = system.client({ token: user.accessToken });
    const query = '{ instances { id knowledgeBase { id entryCount } agent { slug } } }';
    await client.ok(query);
    const before = await snapshot();
    await client.ok(query);
    const sql = diff(before.sql, (await snapshot()).sql);
    expect(sql.instances).toBe(3); // instances, their knowledge bases, the entry counts
    expect(sql.catalog).toBe(1);
  });
});

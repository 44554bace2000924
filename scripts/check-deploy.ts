import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parse, parseAllDocuments } from 'yaml';
import { CAPTURED_TABLES } from '../subgraphs/events.ts';
import { SUBGRAPHS } from '../subgraphs/list.ts';

/**
 * Keeps docker-compose.yml and k8s/ in step with the code, on a machine with no Docker engine and
 * no cluster: every subgraph in subgraphs/list.ts has a container started by its own main.ts, the
 * gateway is told every subgraph's URL, and the Kustomize base renders with a Deployment, Service
 * and probes for each.
 */
const problems: string[] = [];
/** Services with an HTTP Service in k8s; the bridge has no callers, so it has a Deployment only. */
const services = ['gateway', ...SUBGRAPHS.map((s) => s.name)];
const deployments = [...services, 'bridge'];
const entry = (name: string) =>
  name === 'gateway' || name === 'bridge' ? `${name}/src/main.ts` : `subgraphs/${name}/src/main.ts`;

const compose = parse(await readFile('docker-compose.yml', 'utf8')) as { services: Record<string, any> };
for (const [name, svc] of Object.entries(compose.services)) {
  const deps = Array.isArray(svc.depends_on) ? svc.depends_on : Object.keys(svc.depends_on ?? {});
  for (const dep of deps) if (!compose.services[dep]) problems.push(`compose: ${name} depends on unknown service ${dep}`);
}
for (const name of deployments) {
  const svc = compose.services[name];
  if (!svc) {
    problems.push(`compose: no service "${name}"`);
    continue;
  }
  if (!String(svc.command).includes(entry(name))) problems.push(`compose: ${name} does not run ${entry(name)}`);
}
const gatewayEnv = compose.services.gateway?.environment ?? {};
// The gateway must share the users subgraph's store, or revoked sessions would pass the edge.
if (!gatewayEnv.REDIS_URL) problems.push('compose: gateway lacks REDIS_URL');
for (const { name } of SUBGRAPHS) {
  if (!gatewayEnv[`SUBGRAPH_${name.toUpperCase()}_URL`]) problems.push(`compose: gateway lacks SUBGRAPH_${name.toUpperCase()}_URL`);
}

for (const name of ['kafka', 'connect', 'register-connector']) {
  if (!compose.services[name]) problems.push(`compose: no service "${name}" (change data capture)`);
}

// The Debezium connector captures exactly the tables the bridge maps, in compose and in k8s alike.
const connector = JSON.parse(await readFile('deploy/debezium/atrium-postgres.json', 'utf8')) as { config: Record<string, string> };
const captured = CAPTURED_TABLES.map((t) => `${t.schema}.${t.table}`).sort().join(',');
const included = (list: string | undefined) => (list ?? '').split(',').map((t) => t.trim()).sort().join(',');
if (included(connector.config['table.include.list']) !== captured) {
  problems.push(`debezium: table.include.list is not ${captured} (subgraphs/events.ts)`);
}

let rendered = '';
try {
  rendered = execFileSync('kubectl', ['kustomize', 'k8s/'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
} catch (err) {
  const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
  if (missing) console.warn('check-deploy: kubectl not found; k8s/ not rendered');
  else problems.push(`k8s: kubectl kustomize failed: ${(err as { stderr?: string }).stderr ?? err}`);
}
if (rendered) {
  const objects = parseAllDocuments(rendered).map((d) => d.toJS() as any);
  for (const o of objects) if (!o?.apiVersion || !o?.kind || !o?.metadata?.name) problems.push(`k8s: object without apiVersion/kind/name`);
  for (const name of deployments) {
    const deployment = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    const container = deployment?.spec?.template?.spec?.containers?.[0];
    if (!deployment) problems.push(`k8s: no Deployment ${name}`);
    else if (!container?.command?.join(' ').includes(entry(name))) problems.push(`k8s: Deployment ${name} does not run ${entry(name)}`);
    else if (container.readinessProbe?.httpGet?.path !== '/ready') problems.push(`k8s: ${name} has no /ready probe`);
    if (services.includes(name) && !objects.some((o) => o.kind === 'Service' && o.metadata.name === name)) {
      problems.push(`k8s: no Service ${name}`);
    }
  }
  const kafkaConnector = objects.find((o) => o.kind === 'KafkaConnector');
  for (const [key, value] of Object.entries(connector.config)) {
    if (key.startsWith('database.') || key === 'tasks.max' || key === 'connector.class') continue;
    if (String(kafkaConnector?.spec?.config?.[key]) !== value) problems.push(`k8s: KafkaConnector ${key} differs from deploy/debezium`);
  }
  if (objects.some((o) => o.kind === 'Secret')) problems.push('k8s: a Secret is committed; secrets come from the cluster');
}

if (problems.length) {
  for (const p of problems) console.error(`check-deploy: ${p}`);
  process.exit(1);
}
console.log(`check-deploy: docker-compose.yml, k8s/ and the Debezium connector match ${deployments.join(', ')}`);

import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { parse, parseAllDocuments } from 'yaml';
import { CAPTURED_TABLES } from '../subgraphs/captured-tables.ts';
import { loadSubgraphs, SUBGRAPHS } from '../subgraphs/list.ts';

/**
 * Keeps docker-compose.yml and k8s/ in step with the code, on a machine with no Docker engine and
 * no cluster: every subgraph in subgraphs/list.ts has a container started by its own main.ts, the
 * gateway is told every subgraph's URL, every service binds all interfaces in its container, and
 * the Kustomize base renders with a Deployment, Service, probes and a NetworkPolicy for each.
 */
const problems: string[] = [];
/** Services with an HTTP Service in k8s; the bridge has no callers, so it has a Deployment only. */
const services = ['gateway', ...SUBGRAPHS.map((s) => s.name)];
const deployments = [...services, 'bridge'];
const entry = (name: string) =>
  name === 'gateway' ? 'gateway/src/main.ts' : name === 'bridge' ? 'cdc/bridge/main.ts' : `subgraphs/${name}/src/main.ts`;

/**
 * Who may call a subgraph's HTTP port besides the gateway: what each subgraph's module says it
 * calls (`calls` in subgraphs/<name>/subgraph.ts); anyone else is a finding.
 */
const CALLERS_BEYOND_GATEWAY: Record<string, string[]> = {};
for (const { name, module } of await loadSubgraphs()) {
  for (const callee of Object.keys(module.calls ?? {})) CALLERS_BEYOND_GATEWAY[callee] = [...(CALLERS_BEYOND_GATEWAY[callee] ?? []), name];
}

// merge: the services take their environment from YAML anchors (`<<: *app-env`).
const compose = parse(await readFile('docker-compose.yml', 'utf8'), { merge: true }) as { services: Record<string, any> };
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
  // Services bind loopback by default (kernel/config.ts HOST); a container's port is reached from outside it.
  if (svc.environment?.HOST !== '0.0.0.0') problems.push(`compose: ${name} does not set HOST=0.0.0.0`);
}
const gatewayEnv = compose.services.gateway?.environment ?? {};
// The gateway must share the users subgraph's store, or revoked sessions would pass the edge.
if (!gatewayEnv.REDIS_URL) problems.push('compose: gateway lacks REDIS_URL');
// Subgraphs refuse calls the gateway did not sign with the shared INTERNAL_SECRET (kernel/internal-auth.ts).
for (const name of services) {
  if (compose.services[name] && !compose.services[name].environment?.INTERNAL_SECRET) problems.push(`compose: ${name} lacks INTERNAL_SECRET`);
}
for (const { name } of SUBGRAPHS) {
  if (!gatewayEnv[`SUBGRAPH_${name.toUpperCase()}_URL`]) problems.push(`compose: gateway lacks SUBGRAPH_${name.toUpperCase()}_URL`);
}

for (const name of ['kafka', 'connect', 'register-connector']) {
  if (!compose.services[name]) problems.push(`compose: no service "${name}" (change data capture)`);
}
// Compose and k8s run the Kafka and Debezium versions the suite tests (deploy/cdc-jars/pom.xml).
const pom = await readFile('deploy/cdc-jars/pom.xml', 'utf8');
const kafkaVersion = /<kafka.version>([^<]+)</.exec(pom)?.[1] ?? '?';
const debeziumVersion = /<debezium.version>([^<]+)</.exec(pom)?.[1] ?? '?';
if (compose.services.kafka?.image !== `apache/kafka:${kafkaVersion}`) problems.push(`compose: kafka is not apache/kafka:${kafkaVersion} (the suite's)`);
if (compose.services.connect?.image !== `quay.io/debezium/connect:${debeziumVersion}`) {
  problems.push(`compose: connect is not quay.io/debezium/connect:${debeziumVersion} (the suite's)`);
}

// The Debezium connector captures exactly the tables the bridge maps, in compose and in k8s alike.
const connector = JSON.parse(await readFile('deploy/debezium/atrium-postgres.json', 'utf8')) as { config: Record<string, string> };
const captured = CAPTURED_TABLES.map((t) => `${t.schema}.${t.table}`).sort().join(',');
const included = (list: string | undefined) => (list ?? '').split(',').map((t) => t.trim()).sort().join(',');
if (included(connector.config['table.include.list']) !== captured) {
  problems.push(`debezium: table.include.list is not ${captured} (subgraphs/captured-tables.ts)`);
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
  const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'atrium-config');
  if (configMap?.data?.HOST !== '0.0.0.0') problems.push('k8s: ConfigMap atrium-config does not set HOST=0.0.0.0');
  for (const name of deployments) {
    const container = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec?.template?.spec?.containers?.[0];
    const fromConfigMap = container?.envFrom?.some((e: any) => e.configMapRef?.name === 'atrium-config');
    const own = container?.env?.find((e: any) => e.name === 'HOST');
    if (own ? own.value !== '0.0.0.0' : !fromConfigMap) problems.push(`k8s: Deployment ${name} does not get HOST=0.0.0.0`);
  }
  for (const name of services) {
    const container = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)?.spec?.template?.spec?.containers?.[0];
    const whole = container?.envFrom?.some((e: any) => e.secretRef?.name === 'atrium-secrets');
    const own = container?.env?.some((e: any) => e.name === 'INTERNAL_SECRET' && e.valueFrom?.secretKeyRef?.key === 'INTERNAL_SECRET');
    if (!whole && !own) problems.push(`k8s: Deployment ${name} does not get INTERNAL_SECRET from atrium-secrets`);
  }
  problems.push(...checkNetworkPolicies(objects));

  for (const kind of ['Kafka', 'KafkaConnect']) {
    const resource = objects.find((o) => o.kind === kind);
    const version = kind === 'Kafka' ? resource?.spec?.kafka?.version : resource?.spec?.version;
    if (version !== kafkaVersion) problems.push(`k8s: ${kind} runs Kafka ${version}, the suite ${kafkaVersion}`);
  }
  const plugin = objects.find((o) => o.kind === 'KafkaConnect')?.spec?.build?.plugins?.[0]?.artifacts?.[0];
  if (plugin?.version !== debeziumVersion) problems.push(`k8s: the Connect image builds Debezium ${plugin?.version}, the suite ${debeziumVersion}`);
  const kafkaConnector = objects.find((o) => o.kind === 'KafkaConnector');
  for (const [key, value] of Object.entries(connector.config)) {
    if (key.startsWith('database.') || key === 'tasks.max' || key === 'connector.class') continue;
    if (String(kafkaConnector?.spec?.config?.[key]) !== value) problems.push(`k8s: KafkaConnector ${key} differs from deploy/debezium`);
  }
  if (objects.some((o) => o.kind === 'Secret')) problems.push('k8s: a Secret is committed; secrets come from the cluster');
}

/**
 * Every subgraph must be isolated for ingress and admit exactly the gateway and its named callers,
 * on its HTTP port; the gateway must admit anyone on its HTTP port. Policies add up, so every policy
 * selecting a pod counts, including ones written for other pods with a broader selector.
 */
function checkNetworkPolicies(objects: any[]): string[] {
  const found: string[] = [];
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
  const workloads = objects
    .filter((o) => o.kind === 'Deployment')
    .map((o) => ({ name: o.metadata.name as string, labels: (o.spec?.template?.metadata?.labels ?? {}) as Record<string, string>, container: o.spec?.template?.spec?.containers?.[0] }));
  const matches = (selector: any, labels: Record<string, string>) =>
    !selector?.matchExpressions?.length && Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const isHttpPort = (port: unknown, container: any) =>
    port === 'http' || container?.ports?.some((p: any) => p.name === 'http' && p.containerPort === port);
  const ingressPolicies = (labels: Record<string, string>) =>
    policies.filter((p) => matches(p.spec?.podSelector, labels) && (p.spec?.policyTypes ?? ['Ingress']).includes('Ingress'));

  for (const { name } of SUBGRAPHS) {
    const workload = workloads.find((w) => w.name === name);
    if (!workload) continue; // reported above as a missing Deployment
    const selecting = ingressPolicies(workload.labels);
    if (!selecting.length) {
      found.push(`k8s: no NetworkPolicy isolates ${name} for ingress`);
      continue;
    }
    const expected = ['gateway', ...(CALLERS_BEYOND_GATEWAY[name] ?? [])].sort();
    const admitted = new Set<string>();
    for (const policy of selecting) {
      for (const rule of policy.spec.ingress ?? []) {
        const where = `NetworkPolicy ${policy.metadata.name} admits`;
        if (!rule.from?.length) found.push(`k8s: ${where} every source to ${name}`);
        for (const peer of rule.from ?? []) {
          if (peer.ipBlock || peer.namespaceSelector || !peer.podSelector) found.push(`k8s: ${where} addresses or namespaces to ${name}`);
          else if (peer.podSelector.matchExpressions?.length || !Object.keys(peer.podSelector.matchLabels ?? {}).length) {
            found.push(`k8s: ${where} a broad pod selector to ${name}; name the callers by app.kubernetes.io/name`);
          } else for (const w of workloads) if (matches(peer.podSelector, w.labels)) admitted.add(w.name);
        }
        if (!rule.ports?.length || rule.ports.some((p: any) => !isHttpPort(p.port, workload.container) || p.endPort)) {
          found.push(`k8s: ${where} ports other than http to ${name}`);
        }
      }
    }
    const got = [...admitted].sort();
    if (got.join(',') !== expected.join(',')) found.push(`k8s: ${name} admits ${got.join(', ') || 'no one'}; expected ${expected.join(', ')}`);
  }

  const gateway = workloads.find((w) => w.name === 'gateway');
  const gatewayPolicies = gateway ? ingressPolicies(gateway.labels) : [];
  const open = gatewayPolicies.some((p) =>
    (p.spec.ingress ?? []).some((r: any) => !r.from?.length && r.ports?.some((port: any) => isHttpPort(port.port, gateway?.container))),
  );
  if (gatewayPolicies.length && !open) found.push('k8s: the gateway is isolated but does not admit every source on its http port');
  return found;
}

if (problems.length) {
  for (const p of problems) console.error(`check-deploy: ${p}`);
  process.exit(1);
}
console.log(`check-deploy: docker-compose.yml, k8s/ (NetworkPolicies included) and the Debezium connector match ${deployments.join(', ')}`);

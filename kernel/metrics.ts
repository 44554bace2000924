import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * One registry per service (not prom-client's global one), so `npm start`, which runs every
 * service in one process, still reports each service's numbers on its own /metrics.
 */
export interface ServiceMetrics {
  registry: Registry;
  /** Every SQL statement a service sends; the N+1 tests read it. */
  dbQueries: Counter;
  /** Every request the gateway sends to a subgraph, by subgraph. */
  subgraphRequests: Counter<'subgraph'>;
  /** Open graphql-ws connections: clients on the gateway, the gateway's upstream ones on a subgraph. */
  wsConnections: Gauge;
}

export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  withProcessMetrics(registry);
  return {
    registry,
    dbQueries: new Counter({ name: 'atrium_db_queries_total', help: 'SQL statements sent to PostgreSQL', registers: [registry] }),
    subgraphRequests: new Counter({
      name: 'atrium_subgraph_requests_total',
      help: 'Requests the gateway sent to each subgraph',
      labelNames: ['subgraph'],
      registers: [registry],
    }),
    wsConnections: new Gauge({ name: 'atrium_ws_connections', help: 'Open graphql-ws connections', registers: [registry] }),
  };
}

const withDefaults = new WeakSet<Registry>();

/**
 * prom-client's process metrics (memory, CPU, event-loop lag, GC, handles) on `registry`, once per
 * registry: every service's /metrics shows them, labelled with its service. Each registry is the
 * service's own, so the several services of one process (`npm start`, the tests) never register a
 * name twice; a second call for the same registry does nothing.
 */
export function withProcessMetrics(registry: Registry): Registry {
  if (withDefaults.has(registry)) return registry;
  withDefaults.add(registry);
  collectDefaultMetrics({ register: registry });
  return registry;
}

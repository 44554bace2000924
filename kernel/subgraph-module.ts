import type { CapturedTable } from '../cdc/contract.ts';
import type { SubgraphOrmSpec } from './db.ts';
import type { Logger } from './log.ts';
import type { RunningService } from './subgraph-server.ts';

type Env = Record<string, string | undefined>;

/**
 * Everything the rest of the system needs to know about one subgraph, declared in its folder
 * (`subgraphs/<name>/subgraph.ts`) and listed once in `subgraphs/list.ts`: `npm start`, the test
 * system, the CLI, codegen, composition, the deployment checks and change capture all iterate it.
 * It loads light (its settings and event mapping); the service itself and its ORM load on use, so
 * the bridge reading `capture` does not load every subgraph.
 */
export interface SubgraphModule<Service extends RunningService = RunningService> {
  /** The folder, the Postgres schema, the container, and its name in the supergraph. */
  name: string;
  /** Its tables, entities and migrations (the CLI migrates every module's); loaded on demand. */
  loadOrm(): Promise<SubgraphOrmSpec>;
  /** Reads its settings; throws ConfigError listing every problem. */
  loadConfig(env: Env): unknown;
  /** Starts it from its settings; `main.ts`, `npm start` and the tests call this. */
  start(config: never, logger: Logger): Promise<Service>;
  /** Settings it gives the subgraphs started after it (users: JWKS_URL; catalog: CATALOG_URL). */
  provides?(service: RunningService): Env;
  /** Tables whose changes become its subscription events. */
  capture?: CapturedTable[];
  /** The subgraphs it calls directly, and why (JWKS, `_entities`): the network policies admit exactly these. */
  calls?: Record<string, string>;
}

/** Declares a subgraph module, keeping its own service type for `provides`. */
export function defineSubgraph<Config, Service extends RunningService>(module: {
  name: string;
  loadOrm(): Promise<SubgraphOrmSpec>;
  loadConfig(env: Env): Config;
  start(config: Config, logger: Logger): Promise<Service>;
  provides?(service: RunningService): Env;
  capture?: CapturedTable[];
  calls?: Record<string, string>;
}): SubgraphModule<Service> {
  return module as unknown as SubgraphModule<Service>;
}

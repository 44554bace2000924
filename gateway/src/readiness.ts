import type { ApolloGateway } from '@apollo/gateway';
import { Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../../kernel/http.ts';
import type { KeyValueStore } from '../../kernel/kv/index.ts';
import type { Logger } from '../../kernel/log.ts';
import type { SubgraphEndpoint } from './supergraph.ts';

/**
 * The gateway is ready when it can serve: its supergraph is loaded and its shared store (APQ, rate
 * limits, revoked sessions) answers. Subgraphs are left out on purpose: every replica sees the same
 * subgraphs, so a failing one would take every replica out of service at once and turn a partial
 * outage (operations on the other subgraphs still answer) into a total one.
 */
export function gatewayReadiness(gateway: ApolloGateway, kv: KeyValueStore): Record<string, ReadinessCheck> {
  return {
    supergraph: async () => {
      if (!gateway.schema) throw new Error('no supergraph loaded');
    },
    store: () => kv.ping(),
  };
}

/** A short reason only: /health is unauthenticated, so no address, error text or stack. */
export type SubgraphState = { status: 'ok' } | { status: 'failing'; reason: string };

export interface SubgraphHealthOptions {
  /** Per subgraph; short, so /health (a liveness probe) and a scrape never wait long on a hung subgraph. */
  timeoutMs?: number;
  /** How long one round of checks is reused, so a flood of /health calls or scrapes costs one round per window. */
  cacheMs?: number;
  logger?: Logger;
}

/** Subgraph health on the gateway's /health and in `atrium_subgraph_up{subgraph}`; never part of /ready. */
export interface SubgraphHealth {
  /** Every subgraph's state; a cached round when one finished less than `cacheMs` ago, else a fresh one. */
  report(): Promise<Record<string, SubgraphState>>;
}

/**
 * Checks every subgraph of the supergraph (any supergraph): an Atrium subgraph by its `/ready`,
 * which says whether it can serve (its database and store), anything else by `{ __typename }`.
 * Rounds are shared: concurrent callers wait for the one in flight, later ones reuse it for `cacheMs`.
 */
export function subgraphHealth(subgraphs: SubgraphEndpoint[], registry: Registry, opts: SubgraphHealthOptions = {}): SubgraphHealth {
  const { timeoutMs = 1500, cacheMs = 2000, logger } = opts;
  let last: { at: number; states: Record<string, SubgraphState> } | undefined;
  let inFlight: Promise<Record<string, SubgraphState>> | undefined;

  const gauge = new Gauge({
    name: 'atrium_subgraph_up',
    help: 'Whether the gateway reaches each subgraph and it can serve (1) or not (0)',
    labelNames: ['subgraph'],
    registers: [registry],
    // Refreshed on scrape (through the same cache), so the gauge is current with no timer to stop.
    async collect() {
      await report();
    },
  });

  const round = async () => {
    const entries = await Promise.all(
      subgraphs.map(async (subgraph) => [subgraph.name, await probe(subgraph, timeoutMs)] as const),
    );
    const states = Object.fromEntries(entries);
    for (const [name, state] of entries) {
      const before = last?.states[name]?.status;
      // One line per change, not per round, so a down subgraph does not flood the log.
      if (state.status === 'failing' && before !== 'failing') logger?.warn({ subgraph: name, reason: state.reason }, 'subgraph is failing');
      if (state.status === 'ok' && before === 'failing') logger?.info({ subgraph: name }, 'subgraph is back');
      gauge.set({ subgraph: name }, state.status === 'ok' ? 1 : 0);
    }
    last = { at: Date.now(), states };
    return states;
  };

  function report(): Promise<Record<string, SubgraphState>> {
    if (inFlight) return inFlight;
    if (last && Date.now() - last.at < cacheMs) return Promise.resolve(last.states);
    inFlight = round().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return { report };
}

/** One subgraph, never throwing: the reason is a timeout, no answer at all, or the HTTP status. */
async function probe({ url }: SubgraphEndpoint, timeoutMs: number): Promise<SubgraphState> {
  // An Atrium subgraph serves /ready beside /graphql, open to the gateway without a credential.
  const atrium = /\/graphql$/.test(url);
  try {
    const res = await fetch(
      atrium ? url.replace(/\/graphql$/, '/ready') : url,
      atrium
        ? { signal: AbortSignal.timeout(timeoutMs) }
        : {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: '{ __typename }' }),
            signal: AbortSignal.timeout(timeoutMs),
          },
    );
    // Release the connection; the body is not needed.
    await res.body?.cancel();
    return res.ok ? { status: 'ok' } : { status: 'failing', reason: `answered ${res.status}` };
  } catch (err) {
    return { status: 'failing', reason: (err as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable' };
  }
}

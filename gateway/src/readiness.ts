import type { ReadinessCheck } from '../../kernel/http.ts';
import type { SubgraphEndpoint } from './supergraph.ts';

/** A subgraph is ready when it answers a trivial query; works for any supergraph's subgraphs. */
export function subgraphChecks(subgraphs: SubgraphEndpoint[]): Record<string, ReadinessCheck> {
  return Object.fromEntries(
    subgraphs.map(({ name, url }) => [
      name,
      async () => {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }' }),
          signal: AbortSignal.timeout(2000),
        });
        if (!res.ok) throw new Error(`${name} answered ${res.status}`);
      },
    ]),
  );
}

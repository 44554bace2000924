/**
 * The one list of subgraphs: composition, codegen, `npm start`, the gateway's URL overrides and
 * the container files all follow it. The name is also the folder, the container and the Postgres schema.
 */
export const SUBGRAPHS = [
  { name: 'users', devPort: 4001 },
  { name: 'catalog', devPort: 4002 },
  { name: 'instances', devPort: 4003 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** Where a subgraph listens in `npm start` and on a developer's machine; the URL in the checked-in supergraph. */
export const devUrl = (devPort: number) => `http://localhost:${devPort}/graphql`;

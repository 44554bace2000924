/**
 * The one registry of subgraphs, in start order: composition, codegen, `npm start`, the test system,
 * the CLI, the gateway's URL overrides, the container files and change capture all follow it. The
 * name is also the folder, the container and the Postgres schema; `load` brings the module that
 * subgraph declares itself in (`subgraphs/<name>/subgraph.ts`). Adding a subgraph: its folder, and
 * one line here.
 */
export const SUBGRAPHS = [
  { name: 'users', devPort: 4001, load: () => import('./users/subgraph.ts') },
  { name: 'catalog', devPort: 4002, load: () => import('./catalog/subgraph.ts') },
  { name: 'instances', devPort: 4003, load: () => import('./instances/subgraph.ts') },
  { name: 'conversations', devPort: 4004, load: () => import('./conversations/subgraph.ts') },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

/** Where a subgraph listens in `npm start` and on a developer's machine; the URL in the checked-in supergraph. */
export const devUrl = (devPort: number) => `http://localhost:${devPort}/graphql`;

/** Every subgraph's module, in start order. */
export async function loadSubgraphs() {
  return Promise.all(SUBGRAPHS.map(async (s) => ({ ...s, module: (await s.load()).default })));
}

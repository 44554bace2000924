import { readFile, writeFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { devUrl, SUBGRAPHS } from '../subgraphs/list.ts';

/**
 * Composes every subgraph's SDL into schema/supergraph.graphql (checked in). The URLs written in
 * it are the development ports; containers override them with SUBGRAPH_<NAME>_URL.
 */
const services = await Promise.all(
  SUBGRAPHS.map(async ({ name, devPort }) => ({
    name,
    url: devUrl(devPort),
    typeDefs: parse(await readFile(new URL(`../subgraphs/${name}/schema.graphql`, import.meta.url), 'utf8')),
  })),
);
const result = composeServices(services);
if (result.errors) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
for (const hint of result.hints ?? []) console.warn(`composition hint: ${hint.definition.code}: ${hint.message}`);
await writeFile(new URL('../schema/supergraph.graphql', import.meta.url), result.supergraphSdl);
console.log(`schema/supergraph.graphql composed from ${services.map((s) => s.name).join(', ')}`);

import { readFile } from 'node:fs/promises';

export interface SubgraphEndpoint {
  name: string;
  url: string;
}

/** Reads a supergraph file; a missing or empty one stops start-up with its path in the message. */
export async function readSupergraph(path: string): Promise<string> {
  const sdl = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read the supergraph at ${path}: ${err.code ?? err.message}`);
  });
  if (!sdl.includes('@join__graph')) throw new Error(`${path} is not a composed supergraph (no @join__graph)`);
  return sdl;
}

/** The subgraphs a supergraph names, with URL overrides applied; the gateway serves any supergraph. */
export function subgraphsOf(supergraphSdl: string, overrides: Record<string, string>): SubgraphEndpoint[] {
  const endpoints: SubgraphEndpoint[] = [];
  for (const match of supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)",\s*url:\s*"([^"]*)"\)/g)) {
    const name = match[1] as string;
    endpoints.push({ name, url: overrides[name] ?? (match[2] as string) });
  }
  return endpoints;
}

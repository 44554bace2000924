import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { Supergraph } from '@apollo/federation-internals';
import { type OperationDefinitionNode, parse, print, validate } from 'graphql';

/**
 * schema/persisted-queries.json, Apollo's persisted query manifest format, from the partner
 * operations in partners/operations/*.graphql (one named operation per file). Every operation must
 * validate against the supergraph's API schema; `id` is the sha256 of `body`.
 */
const folder = new URL('../partners/operations/', import.meta.url);
const api = Supergraph.build(await readFile(new URL('../schema/supergraph.graphql', import.meta.url), 'utf8'))
  .apiSchema()
  .toGraphQLJSSchema();

const problems: string[] = [];
const operations = [];
for (const file of (await readdir(folder)).filter((f) => f.endsWith('.graphql')).sort()) {
  const document = parse(await readFile(new URL(file, folder), 'utf8'));
  const definitions = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  const operation = definitions[0];
  if (definitions.length !== 1 || !operation?.name) {
    problems.push(`${file}: must hold exactly one named operation`);
    continue;
  }
  for (const error of validate(api, document)) problems.push(`${file}: ${error.message}`);
  const body = print(document);
  operations.push({
    id: createHash('sha256').update(body).digest('hex'),
    name: operation.name.value,
    type: operation.operation,
    body,
  });
}
if (problems.length) {
  for (const p of problems) console.error(`persisted queries: ${p}`);
  process.exit(1);
}
const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations };
await writeFile(new URL('../schema/persisted-queries.json', import.meta.url), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`schema/persisted-queries.json: ${operations.length} operations`);

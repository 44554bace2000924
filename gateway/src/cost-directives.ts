import {
  type DefinitionNode,
  type DirectiveNode,
  type GraphQLSchema,
  Kind,
  parse,
  type ValueNode,
} from 'graphql';

/** What `@listSize` declares about one field (IBM GraphQL Cost Directives, as Apollo demand control reads them). */
export interface ListSize {
  /** The size the server caps the list at; used when no slicing argument gives one. */
  assumedSize?: number;
  /** Arguments (or `arg.field` paths into input objects) whose value is the list's size. */
  slicingArguments: string[];
  /** Child fields sized by this field's size instead (a connection's `edges`, `nodes`). */
  sizedFields: string[];
  /** An operation must give exactly one slicing argument (defaults count). */
  requireOneSlicingArgument: boolean;
}

/**
 * The `@cost` weights and `@listSize` declarations of a schema, by schema coordinate: `Type`,
 * `Type.field`, `Type.field(arg:)`, `Input.field`.
 */
export interface CostDirectives {
  weights: ReadonlyMap<string, number>;
  listSizes: ReadonlyMap<string, ListSize>;
}

const COST_SPEC = 'https://specs.apollo.dev/cost/';

/**
 * Reads the cost directives from a supergraph's SDL (composed there from the subgraphs' `@cost` and
 * `@listSize`, under the names its `@link` gives them) or from a schema built from SDL. The API
 * schema the gateway validates against has none: without them every estimate uses the defaults.
 */
export function costDirectivesOf(source: string | GraphQLSchema): CostDirectives {
  const definitions = typeof source === 'string' ? parse(source).definitions : definitionsOf(source);
  const names = directiveNames(definitions);
  const weights = new Map<string, number>();
  const listSizes = new Map<string, ListSize>();
  const weigh = (coordinate: string, directives: readonly DirectiveNode[] | undefined) => {
    const weight = numberOf(argument(directives?.find((d) => d.name.value === names.cost), 'weight'));
    if (weight !== undefined) weights.set(coordinate, weight);
  };
  for (const definition of definitions) {
    if (!('name' in definition) || !definition.name || definition.kind === Kind.DIRECTIVE_DEFINITION) continue;
    const type = definition.name.value;
    weigh(type, definition.directives);
    for (const field of 'fields' in definition ? (definition.fields ?? []) : []) {
      const coordinate = `${type}.${field.name.value}`;
      weigh(coordinate, field.directives);
      if (field.kind !== Kind.FIELD_DEFINITION) continue;
      for (const arg of field.arguments ?? []) weigh(`${coordinate}(${arg.name.value}:)`, arg.directives);
      const listSize = field.directives?.find((d) => d.name.value === names.listSize);
      if (listSize) listSizes.set(coordinate, listSizeOf(listSize));
    }
  }
  return { weights, listSizes };
}

function listSizeOf(directive: DirectiveNode): ListSize {
  const strings = (name: string) => {
    const value = argument(directive, name);
    return value?.kind === Kind.LIST ? value.values.flatMap((v) => (v.kind === Kind.STRING ? [v.value] : [])) : [];
  };
  const require = argument(directive, 'requireOneSlicingArgument');
  return {
    assumedSize: numberOf(argument(directive, 'assumedSize')),
    slicingArguments: strings('slicingArguments'),
    sizedFields: strings('sizedFields'),
    requireOneSlicingArgument: require?.kind === Kind.BOOLEAN ? require.value : true,
  };
}

/** The names the cost spec's directives have in this schema: imported, renamed with `as`, or prefixed. */
function directiveNames(definitions: readonly DefinitionNode[]): { cost: string; listSize: string } {
  for (const definition of definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const link of definition.directives ?? []) {
      const url = argument(link, 'url');
      if (link.name.value !== 'link' || url?.kind !== Kind.STRING || !url.value.startsWith(COST_SPEC)) continue;
      const as = argument(link, 'as');
      const prefix = as?.kind === Kind.STRING ? as.value : 'cost';
      const names = { cost: prefix, listSize: `${prefix}__listSize` };
      const imports = argument(link, 'import');
      for (const item of imports?.kind === Kind.LIST ? imports.values : []) {
        const [name, alias] = item.kind === Kind.STRING ? [item.value, item.value] : importOf(item);
        if (name === '@cost') names.cost = alias.slice(1);
        if (name === '@listSize') names.listSize = alias.slice(1);
      }
      return names;
    }
  }
  // No @link to the cost spec: plain SDL (a schema built with buildSchema) uses the spec's own names.
  return { cost: 'cost', listSize: 'listSize' };
}

function importOf(item: ValueNode): [string, string] {
  if (item.kind !== Kind.OBJECT) return ['', ''];
  const field = (name: string) => {
    const value = item.fields.find((f) => f.name.value === name)?.value;
    return value?.kind === Kind.STRING ? value.value : undefined;
  };
  const name = field('name') ?? '';
  return [name, field('as') ?? name];
}

function argument(directive: DirectiveNode | undefined, name: string): ValueNode | undefined {
  return directive?.arguments?.find((a) => a.name.value === name)?.value;
}

/** Apollo's `weight` is an Int, IBM's draft a numeric String: both are read. */
function numberOf(value: ValueNode | undefined): number | undefined {
  if (value?.kind !== Kind.INT && value?.kind !== Kind.FLOAT && value?.kind !== Kind.STRING) return undefined;
  const number = Number(value.value);
  return Number.isFinite(number) ? number : undefined;
}

/** The SDL nodes a schema was built from, extensions included. */
function definitionsOf(schema: GraphQLSchema): DefinitionNode[] {
  const nodes: (DefinitionNode | null | undefined)[] = [schema.astNode, ...schema.extensionASTNodes];
  for (const type of Object.values(schema.getTypeMap())) nodes.push(type.astNode, ...type.extensionASTNodes);
  return nodes.filter((n): n is DefinitionNode => n != null);
}

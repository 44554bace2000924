import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { buildSchema, type GraphQLSchema, parse, specifiedRules, validate } from 'graphql';
import { costDirectivesOf } from '../src/cost-directives.ts';
import { loadGatewayConfig } from '../src/config.ts';
import { limitRules, type OperationLimits } from '../src/limits.ts';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
/** The shipped defaults, so these tests fail if a default change starts refusing a real screen. */
const defaults = loadGatewayConfig({}, []).limits;
/** A limit no cost reaches, to read every estimate back from the error's `actual`. */
const measuring: OperationLimits = { ...defaults, maxDepth: 100, maxAliases: 100, maxRootFields: 100, maxCost: -1 };

interface Graph {
  schema: GraphQLSchema;
  sdl?: string;
}
/** The API schema the gateway validates against, with the supergraph that carries the directives. */
const supergraph = (path: string): Graph => {
  const sdl = read(path);
  return { schema: Supergraph.build(sdl).apiSchema().toGraphQLJSSchema(), sdl };
};
const errorsOf = (graph: Graph, query: string, limits = defaults) =>
  validate(graph.schema, parse(query), [...specifiedRules, ...limitRules(limits, graph.sdl)]);
const costOf = (graph: Graph, query: string, limits: Partial<OperationLimits> = {}): number => {
  const errors = errorsOf(graph, query, { ...measuring, ...limits });
  const cost = errors.find((e) => e.extensions?.limit === 'cost' && 'actual' in e.extensions);
  if (!cost) throw new Error(`no estimate: ${errors.map((e) => e.message).join('; ')}`);
  return cost.extensions.actual as number;
};

const guild = supergraph('./fixtures/guild/supergraph.graphql');
const nestedProvides = supergraph('./fixtures/nested-provides/supergraph.graphql');
const atrium = supergraph('../../schema/supergraph.graphql');

describe('real federation workloads pass the default cost limit', () => {
  test('the Guild federation benchmark query (4 levels of unsized lists)', () => {
    const query = read('./fixtures/guild/query.graphql');
    expect(errorsOf(guild, query)).toEqual([]);
    // users 10 × (1 + reviews 10 × (1 + product (1 + reviews 10 × …))) + topProducts(first: 5) × …
    expect(costOf(guild, query)).toBe(23_315);
  });

  test("the federation gateway audit's nested-provides case", () => {
    const query = read('./fixtures/nested-provides/query.graphql');
    expect(errorsOf(nestedProvides, query)).toEqual([]);
    expect(costOf(nestedProvides, query)).toBe(10 + 100 + 1000);
  });

  test('every operation partners may send, and the heaviest screen, with and without the directives', () => {
    const manifest = JSON.parse(read('../../schema/persisted-queries.json')) as { operations: { name: string; body: string }[] };
    for (const { body } of manifest.operations) {
      expect(errorsOf(atrium, body)).toEqual([]);
      expect(errorsOf({ schema: atrium.schema }, body)).toEqual([]);
    }
    // The instance screen: a page of its knowledge base, `first` a variable, so the declared cap of 100.
    const instance = manifest.operations.find((o) => o.name === 'GetInstance')?.body ?? '';
    expect(costOf(atrium, instance)).toBe(1 + 1 + 1 + 1 + 100 * 2 + 1);
    const dashboard = `{
      me { id name instances { id title status agent { id name } knowledgeBase { entryCount entries(first: 5) { edges { node { id title } } } } } }
      agents { id slug name capabilities }
      apiKeys { id name prefix }
      sessions { id current lastUsedAt }
    }`;
    expect(errorsOf(atrium, dashboard)).toEqual([]);
    expect(costOf(atrium, dashboard)).toBe(1 + 100 * (1 + 1 + 1 + 1 + 5 * 2) + defaults.defaultListSize + 20 + 100);
  });
});

describe('abusive operations trip the default limit', () => {
  const refusal = (graph: Graph, query: string) => {
    const errors = errorsOf(graph, query);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: 'cost', max: defaults.maxCost });
    expect(errors[0]?.message).toMatch(/^Operation estimated cost is \d+, more than the limit of \d+$/);
    return errors[0]?.extensions.actual as number;
  };

  test('unsized lists nested 6 deep', () => {
    const query = '{ users { reviews { product { reviews { author { reviews { product { reviews { author { reviews { id } } } } } } } } } } }';
    expect(refusal(guild, query)).toBeGreaterThan(1_000_000);
  });

  test('a huge slicing argument on a paginated field', () => {
    expect(refusal(atrium, '{ users(first: 1000000) { edges { node { id } } } }')).toBe(1 + 1_000_000 * 2);
    expect(refusal(atrium, '{ instance(id: "x") { knowledgeBase { entries(first: 1000000) { edges { cursor } } } } }')).toBe(3 + 1_000_000);
  });

  test('sized lists nested through a cycle of entities', () => {
    expect(refusal(atrium, '{ instances { owner { instances { owner { instances { id } } } } } }')).toBe(100 * (2 + 100 * (2 + 100)));
  });
});

describe('the cost model (IBM cost directives, as Apollo demand control applies them)', () => {
  const graph: Graph = {
    schema: buildSchema(`
      directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
      directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
      type Query {
        item: Item
        items(first: Int, last: Int): [Item!]! @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false)
        capped: [Item!]! @listSize(assumedSize: 7)
        page(first: Int = 20): ItemConnection! @listSize(slicingArguments: ["first"], sizedFields: ["edges"], assumedSize: 50)
        strict(first: Int, last: Int): [Item!]! @listSize(slicingArguments: ["first", "last"])
        search(filter: Filter): [Item!]! @listSize(slicingArguments: ["filter.max"])
        plain: [Item!]!
        heavy: Item @cost(weight: 25)
        named: Named
        status: Status
        scored(boost: Int @cost(weight: 3)): Int
      }
      type Mutation { save(input: Filter!): Item }
      type Item { id: ID! name: String! @cost(weight: 4) owner: Owner }
      type Owner @cost(weight: 5) { id: ID! }
      type ItemConnection { edges: [ItemEdge!]! total: Int! }
      type ItemEdge { node: Item! }
      input Filter { max: Int tags: [String!] @cost(weight: 2) }
      enum Status @cost(weight: 6) { ON OFF }
      interface Named { id: ID! }
      type Person implements Named { id: ID! friends: [Person!]! @listSize(assumedSize: 3) }
      type Robot implements Named { id: ID! owner: Owner }
    `),
  };
  const cost = (query: string) => costOf(graph, query);

  test('objects cost 1, scalars and enums 0, a list multiplies its element', () => {
    expect(cost('{ item { id owner { id } } }')).toBe(1 + 5);
    expect(cost('{ plain { id } }')).toBe(defaults.defaultListSize);
    expect(costOf(graph, '{ plain { id } }', { defaultListSize: 4 })).toBe(4);
  });

  test('slicing arguments size a list, else assumedSize, else the default', () => {
    expect(cost('{ items(first: 3) { id } }')).toBe(3);
    expect(cost('{ items(first: 3, last: 8) { id } }')).toBe(8);
    expect(cost('{ items { id } }')).toBe(defaults.defaultListSize);
    expect(cost('{ capped { id } }')).toBe(7);
    expect(cost('{ search(filter: { max: 6 }) { id } }')).toBe(6 + 1);
  });

  test('sizedFields: a connection sizes its edges by its own slicing argument or default', () => {
    expect(cost('{ page(first: 4) { edges { node { id } } total } }')).toBe(1 + 4 * 2);
    expect(cost('{ page { edges { node { id } } } }')).toBe(1 + 20 * 2);
    // A variable is unknown while validating: the declared cap counts.
    expect(cost('query ($n: Int) { page(first: $n) { edges { node { id } } } }')).toBe(1 + 50 * 2);
  });

  test('requireOneSlicingArgument refuses none or two', () => {
    const refused = (query: string) => errorsOf(graph, query).map((e) => e.message);
    expect(refused('{ strict(first: 2) { id } }')).toEqual([]);
    expect(refused('{ strict { id } }')).toEqual(['Query.strict needs exactly one of its slicing arguments (first, last); 0 given']);
    expect(refused('{ strict(first: 1, last: 1) { id } }')).toHaveLength(1);
  });

  test('@cost weights count on fields, types, enums, arguments and input objects; a mutation adds 10', () => {
    expect(cost('{ heavy { id } }')).toBe(25);
    expect(cost('{ item { name } }')).toBe(1 + 4);
    expect(cost('{ capped { name owner { id } } }')).toBe(7 * (1 + 4 + 5));
    expect(cost('{ status }')).toBe(6);
    expect(cost('{ scored(boost: 2) }')).toBe(3);
    // A list argument costs its weight plus each item's (Apollo's reading of the spec).
    expect(cost('mutation { save(input: { max: 1, tags: ["a", "b"] }) { id } }')).toBe(10 + 1 + (1 + 2 + 2 * 2));
  });

  test('on an abstract type only the dearest possible type counts', () => {
    const query = '{ named { id ... on Person { friends { id } } ... on Robot { owner { id } } } }';
    expect(cost(query)).toBe(1 + Math.max(3, 5));
    expect(cost('{ named { ... on Robot { owner { id } } } }')).toBe(1 + 5);
  });

  test('__typename, introspection and literally skipped fields cost nothing', () => {
    expect(cost('{ __typename item { __typename } }')).toBe(1);
    expect(cost('{ item { id } capped @skip(if: true) { id } plain @include(if: false) { id } }')).toBe(1);
  });

  test("the directives' names follow the supergraph's @link: imported, renamed or prefixed", () => {
    const directives = costDirectivesOf(`
      schema
        @link(url: "https://specs.apollo.dev/link/v1.0")
        @link(url: "https://specs.apollo.dev/cost/v0.1", as: "dc", import: [{ name: "@listSize", as: "@size" }])
      { query: Query }
      type Query { a: [Int!]! @size(assumedSize: 3) b: Int @dc(weight: 4) c: Int @cost(weight: 9) }
    `);
    expect(directives.listSizes.get('Query.a')?.assumedSize).toBe(3);
    expect(directives.weights.get('Query.b')).toBe(4);
    expect(directives.weights.has('Query.c')).toBe(false);
  });

  test('a supergraph without the directives falls back to the defaults', () => {
    expect(costOf(atrium, '{ instances { id } }')).toBe(100);
    expect(costOf({ schema: atrium.schema }, '{ instances { id } }')).toBe(defaults.defaultListSize);
    // `first` still sizes a connection's lists when no @listSize says so.
    expect(costOf({ schema: atrium.schema }, '{ users(first: 30) { edges { node { id } } } }')).toBe(1 + 30 * 2);
  });
});

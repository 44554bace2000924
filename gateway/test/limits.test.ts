import { buildSchema, parse, specifiedRules, validate } from 'graphql';
import { limitRules } from '../src/limits.ts';

const schema = buildSchema(`
  interface Node { id: ID! }
  type User implements Node { id: ID! friends(first: Int): [User!]! best: User }
  type Bot implements Node { id: ID! owner: User }
  type Query { me: User users: [User!]! node: Node }
`);
const limits = { maxDepth: 10, maxAliases: 10, maxRootFields: 5, maxDirectives: 5, maxCost: 1000, defaultListSize: 10 };
const check = (query: string) => validate(schema, parse(query), [...specifiedRules, ...limitRules(limits)]).map((e) => e.extensions?.limit ?? e.message);

describe('operation limit rules', () => {
  test('fragments that spread each other many times are measured in linear time', () => {
    // Each level spreads the previous one twice: 2^30 expansions if measured naively.
    const levels = Array.from({ length: 30 }, (_, i) =>
      i === 0 ? 'fragment F0 on User { id }' : `fragment F${i} on User { best { ...F${i - 1} } friends { ...F${i - 1} } }`,
    );
    const started = performance.now();
    const errors = check(`query { me { ...F29 } } ${levels.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors).toEqual(expect.arrayContaining(['depth', 'cost']));
  });

  test('a doubling chain spread many times stays fast (fields of a repeated spread count once)', () => {
    const levels = Array.from({ length: 16 }, (_, i) =>
      i === 0 ? 'fragment F0 on User { id }' : `fragment F${i} on User { ...F${i - 1} ...F${i - 1} best { id } }`,
    );
    const spreads = Array.from({ length: 150 }, () => '...F15').join(' ');
    const started = performance.now();
    check(`query { me { ${spreads} } } ${levels.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test('on an interface, fragments spread many times stay linear too (measured once per possible type)', () => {
    const levels = Array.from({ length: 30 }, (_, i) =>
      i === 0
        ? 'fragment F0 on Node { id }'
        : `fragment F${i} on Node { ... on User { best { ...F${i - 1} } friends { ...F${i - 1} } } ... on Bot { owner { ...F${i - 1} } } }`,
    );
    const started = performance.now();
    const errors = check(`query { node { ...F29 } } ${levels.join(' ')}`);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(errors).toEqual(expect.arrayContaining(['depth', 'cost']));
  });

  test('a fragment cycle is reported by graphql-js, not looped on', () => {
    const errors = check('query { me { ...A } } fragment A on User { best { ...B } } fragment B on User { best { ...A } }');
    expect(errors.join(' ')).toMatch(/Cannot spread fragment/);
  });

  test('within limits, nothing is reported', () => {
    expect(check('{ me { id friends(first: 5) { id } } }')).toEqual([]);
  });
});

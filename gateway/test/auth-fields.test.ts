import { parse } from 'graphql';
import { countAuthFields } from '../src/auth-fields.ts';

const LOGIN = 'login(input: {email: "a@b.c", password: "x"}) { expiresIn }';
const count = (source: string, operationName?: string) => countAuthFields(parse(source), undefined, operationName);

describe('auth root fields of an operation', () => {
  test('aliases, fragments and inline fragments each count', () => {
    expect(count(`mutation { ${LOGIN} }`)).toBe(1);
    expect(count(`mutation { a: ${LOGIN} b: requestPasswordReset(email: "x") }`)).toBe(2);
    expect(count(`mutation { ...F ... on Mutation { c: ${LOGIN} } } fragment F on Mutation { a: ${LOGIN} b: ${LOGIN} }`)).toBe(3);
    expect(count(`mutation { ...F ...F } fragment F on Mutation { ${LOGIN} }`)).toBe(2);
  });

  test('only root fields of mutations count', () => {
    expect(count('mutation { logout }')).toBe(0);
    expect(count('query { me { id } }')).toBe(0);
    expect(count(`mutation { updateMe(input: {}) { login: id } }`)).toBe(0);
  });

  test('invalid documents are counted without hanging: cycles cut, unknown fragments 0, no single operation means all', () => {
    expect(count(`mutation { ...A } fragment A on Mutation { ${LOGIN} ...B } fragment B on Mutation { ...A ${LOGIN} }`)).toBe(2);
    expect(count('mutation { ...Missing }')).toBe(0);
    expect(count(`mutation One { ${LOGIN} } mutation Two { a: ${LOGIN} b: ${LOGIN} }`)).toBe(3);
    expect(count(`mutation One { ${LOGIN} } mutation Two { a: ${LOGIN} b: ${LOGIN} }`, 'Two')).toBe(2);
    // Fragments that double at each level: memoised, so linear time and a capped result.
    const levels = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Mutation { ...F${i + 1} ...F${i + 1} }`);
    const doubling = `mutation { ...F0 } ${levels.join(' ')} fragment F40 on Mutation { ${LOGIN} }`;
    expect(count(doubling)).toBe(10_000);
  });
});

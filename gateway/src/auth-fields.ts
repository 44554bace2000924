import { type DocumentNode, type FragmentDefinitionNode, getOperationAST, Kind, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

/** Mutations that guess at secrets (passwords, mailed codes, reset tokens) draw on the stricter auth budget. */
export const AUTH_FIELDS: ReadonlySet<string> = new Set([
  'login',
  'confirmRegistration',
  'requestRegistration',
  'requestPasswordReset',
  'confirmPasswordReset',
]);

/** Past this a document is refused anyway; the cap keeps absurd fragment fan-outs from making huge numbers. */
const CAP = 10_000;

/**
 * How many auth root fields an operation would run: every `login`, aliased or not, directly on
 * Mutation or through fragment spreads and inline fragments. It also works on documents that fail
 * validation (unknown fragments count 0, cycles are cut), so it can run before validation does.
 */
export function countAuthFields(document: DocumentNode | undefined, operation?: OperationDefinitionNode, operationName?: string | null): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document?.definitions ?? []) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  // Each fragment is counted once (memo) and a spread of a fragment being counted adds nothing (cycle).
  const memo = new Map<string, number>();
  const open = new Set<string>();
  const spread = (name: string): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    const def = fragments.get(name);
    if (!def || open.has(name)) return 0;
    open.add(name);
    const n = count(def.selectionSet);
    open.delete(name);
    memo.set(name, n);
    return n;
  };
  const count = (set: SelectionSetNode): number => {
    let n = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) n += AUTH_FIELDS.has(s.name.value) ? 1 : 0;
      else if (s.kind === Kind.INLINE_FRAGMENT) n += count(s.selectionSet);
      else n += spread(s.name.value);
      if (n >= CAP) return CAP;
    }
    return n;
  };
  const chosen = operation ?? (document ? getOperationAST(document, operationName) : null);
  // No single operation (ambiguous or unnamed in an invalid document): every mutation in it pays.
  const candidates = chosen
    ? [chosen]
    : (document?.definitions ?? []).filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  let total = 0;
  for (const op of candidates) if (op.operation === 'mutation') total += count(op.selectionSet);
  return Math.min(total, CAP);
}

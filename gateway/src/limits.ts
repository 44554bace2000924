import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  GraphQLError,
  type GraphQLObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type GraphQLOutputType,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** What one operation may ask for; every limit has its own error naming it. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  /** Estimated fields resolved: each list multiplies its children by its page size. */
  maxCost: number;
  /** Page size assumed for a list field without a `first`/`last`/`limit` argument. */
  defaultListSize: number;
}

const PAGE_ARGS = new Set(['first', 'last', 'limit']);

const tooMuch = (limit: string, max: number, actual: number, what: string) =>
  new GraphQLError(`Operation ${what} is ${actual}, more than the limit of ${max}`, {
    extensions: { code: 'BAD_USER_INPUT', limit, max, actual },
  });

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * Measures one document: every selection set (a fragment's included) is measured once and
 * remembered, so fragments that spread each other many times cost linear time, and a fragment
 * cycle (reported by graphql-js's own NoFragmentCycles rule) counts as nothing instead of looping.
 */
class Measure {
  readonly #fragments: Fragments;
  readonly #limits: OperationLimits;
  readonly #fields = new WeakMap<SelectionSetNode, FieldNode[]>();
  readonly #depth = new WeakMap<SelectionSetNode, number>();
  readonly #cost = new Map<SelectionSetNode, Map<string, number>>();
  // One in-progress set per measure: a selection set met again while being measured is a cycle.
  readonly #inFields = new Set<SelectionSetNode>();
  readonly #inDepth = new Set<SelectionSetNode>();
  readonly #inCost = new Set<SelectionSetNode>();

  constructor(fragments: Fragments, limits: OperationLimits) {
    this.#fragments = fragments;
    this.#limits = limits;
  }

  /** The fields a selection set selects, through inline fragments and fragment spreads. */
  fields(selectionSet: SelectionSetNode): FieldNode[] {
    const known = this.#fields.get(selectionSet);
    if (known) return known;
    if (this.#inFields.has(selectionSet)) return [];
    this.#inFields.add(selectionSet);
    // A set: a fragment spread twice selects its fields once (GraphQL merges them), so lists never double.
    const fields = new Set<FieldNode>();
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) fields.add(selection);
      else {
        const nested =
          selection.kind === Kind.INLINE_FRAGMENT ? selection.selectionSet : this.#fragments[selection.name.value]?.selectionSet;
        if (nested) for (const field of this.fields(nested)) fields.add(field);
      }
    }
    this.#inFields.delete(selectionSet);
    const list = [...fields];
    this.#fields.set(selectionSet, list);
    return list;
  }

  depth(selectionSet: SelectionSetNode | undefined): number {
    if (!selectionSet) return 0;
    const known = this.#depth.get(selectionSet);
    if (known !== undefined) return known;
    if (this.#inDepth.has(selectionSet)) return 0;
    this.#inDepth.add(selectionSet);
    let deepest = 0;
    for (const field of this.fields(selectionSet)) deepest = Math.max(deepest, this.depth(field.selectionSet));
    this.#inDepth.delete(selectionSet);
    this.#depth.set(selectionSet, 1 + deepest);
    return 1 + deepest;
  }

  cost(selectionSet: SelectionSetNode, parent: GraphQLObjectType): number {
    const byType = this.#cost.get(selectionSet) ?? new Map<string, number>();
    this.#cost.set(selectionSet, byType);
    const known = byType.get(parent.name);
    if (known !== undefined) return known;
    if (this.#inCost.has(selectionSet)) return 0;
    this.#inCost.add(selectionSet);
    let total = 0;
    for (const field of this.fields(selectionSet)) {
      const definition = parent.getFields()[field.name.value];
      if (!definition) continue;
      const child = getNamedType(definition.type);
      const nested = field.selectionSet && isObjectType(child) ? this.cost(field.selectionSet, child) : 0;
      total += pageSize(field, definition.type, this.#limits) * (1 + nested);
    }
    this.#inCost.delete(selectionSet);
    byType.set(parent.name, total);
    return total;
  }
}

function pageSize(field: FieldNode, type: GraphQLOutputType, limits: OperationLimits): number {
  const arg = field.arguments?.find((a) => PAGE_ARGS.has(a.name.value));
  if (arg?.value.kind === Kind.INT) return Number(arg.value.value);
  if (arg) return 100; // a variable: assume the largest page the schema allows
  const unwrapped = isNonNullType(type) ? type.ofType : type;
  return isListType(unwrapped) ? limits.defaultListSize : 1;
}

/** The limits as graphql-js validation rules, so a refused operation never reaches a subgraph. */
export function limitRules(limits: OperationLimits): ValidationRule[] {
  const shape: ValidationRule = (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const fragments: Fragments = Object.fromEntries(
        document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
      );
      const measure = new Measure(fragments, limits);
      const schema = context.getSchema();
      for (const op of document.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        const d = measure.depth(op.selectionSet);
        if (d > limits.maxDepth) context.reportError(tooMuch('depth', limits.maxDepth, d, 'depth'));
        const roots = measure.fields(op.selectionSet).filter((f) => f.name.value !== '__typename').length;
        if (roots > limits.maxRootFields) context.reportError(tooMuch('rootFields', limits.maxRootFields, roots, 'root field count'));
        const root =
          op.operation === 'query' ? schema.getQueryType() : op.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
        const c = root ? measure.cost(op.selectionSet, root) : 0;
        if (c > limits.maxCost) context.reportError(tooMuch('cost', limits.maxCost, c, 'estimated cost'));
      }
    },
  });

  return [
    shape,
    (context): ASTVisitor => {
      let aliases = 0;
      let directives = 0;
      return {
        Field(node) {
          if (node.alias) aliases++;
        },
        Directive() {
          directives++;
        },
        Document: {
          leave() {
            if (aliases > limits.maxAliases) context.reportError(tooMuch('aliases', limits.maxAliases, aliases, 'alias count'));
            if (directives > limits.maxDirectives) {
              context.reportError(tooMuch('directives', limits.maxDirectives, directives, 'directive count'));
            }
          },
        },
      };
    },
  ];
}

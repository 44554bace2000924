import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { type CostDirectives, costDirectivesOf } from './cost-directives.ts';
import { CostEstimate } from './cost.ts';

/** What one operation may ask for; every limit has its own error naming it. */
export interface OperationLimits {
  maxDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  /** Estimated cost by the IBM cost directives / Apollo demand control model (see cost.ts). */
  maxCost: number;
  /** Size assumed for a list that neither a slicing argument nor `@listSize` sizes. */
  defaultListSize: number;
}

const tooMuch = (limit: string, max: number, actual: number, what: string) =>
  new GraphQLError(`Operation ${what} is ${actual}, more than the limit of ${max}`, {
    extensions: { code: 'BAD_USER_INPUT', limit, max, actual },
  });

type Fragments = Record<string, FragmentDefinitionNode>;

/**
 * Measures one document's shape: every selection set (a fragment's included) is measured once and
 * remembered, so fragments that spread each other many times cost linear time, and a fragment
 * cycle (reported by graphql-js's own NoFragmentCycles rule) counts as nothing instead of looping.
 * The cost estimate (cost.ts) follows the same rules.
 */
class Measure {
  readonly #fragments: Fragments;
  readonly #fields = new WeakMap<SelectionSetNode, FieldNode[]>();
  readonly #depth = new WeakMap<SelectionSetNode, number>();
  // One in-progress set per measure: a selection set met again while being measured is a cycle.
  readonly #inFields = new Set<SelectionSetNode>();
  readonly #inDepth = new Set<SelectionSetNode>();

  constructor(fragments: Fragments) {
    this.#fragments = fragments;
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
}

/**
 * The limits as graphql-js validation rules, so a refused operation never reaches a subgraph.
 * `supergraphSdl` gives the `@cost`/`@listSize` directives composed into the supergraph (the API
 * schema being validated against has lost them); without it, directives are read from the schema's
 * own SDL nodes, and a schema with none is estimated with the defaults alone.
 */
export function limitRules(limits: OperationLimits, supergraphSdl?: string): ValidationRule[] {
  const fromSupergraph = supergraphSdl === undefined ? undefined : costDirectivesOf(supergraphSdl);
  const bySchema = new WeakMap<GraphQLSchema, CostDirectives>();
  const directivesOf = (schema: GraphQLSchema): CostDirectives => {
    const known = fromSupergraph ?? bySchema.get(schema);
    if (known) return known;
    const read = costDirectivesOf(schema);
    bySchema.set(schema, read);
    return read;
  };

  const shape: ValidationRule = (context: ValidationContext): ASTVisitor => ({
    Document(document) {
      const fragments: Fragments = Object.fromEntries(
        document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
      );
      const measure = new Measure(fragments);
      const schema = context.getSchema();
      const cost = new CostEstimate(schema, directivesOf(schema), fragments, limits.defaultListSize);
      for (const op of document.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        const d = measure.depth(op.selectionSet);
        if (d > limits.maxDepth) context.reportError(tooMuch('depth', limits.maxDepth, d, 'depth'));
        const roots = measure.fields(op.selectionSet).filter((f) => f.name.value !== '__typename').length;
        if (roots > limits.maxRootFields) context.reportError(tooMuch('rootFields', limits.maxRootFields, roots, 'root field count'));
        const c = cost.operation(op);
        if (c > limits.maxCost) context.reportError(tooMuch('cost', limits.maxCost, c, 'estimated cost'));
      }
      for (const problem of cost.problems.values()) context.reportError(problem);
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

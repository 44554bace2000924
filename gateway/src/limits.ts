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

/** Walks an operation's selections through its fragments, once per fragment per path. */
function fieldsOf(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  const fields: FieldNode[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) fields.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) fields.push(...fieldsOf(selection.selectionSet, fragments, seen));
    else if (!seen.has(selection.name.value)) {
      const fragment = fragments[selection.name.value];
      if (fragment) fields.push(...fieldsOf(fragment.selectionSet, fragments, new Set([...seen, selection.name.value])));
    }
  }
  return fields;
}

function depth(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): number {
  if (!selectionSet) return 0;
  return 1 + Math.max(0, ...fieldsOf(selectionSet, fragments).map((f) => depth(f.selectionSet, fragments)));
}

function pageSize(field: FieldNode, type: GraphQLOutputType, limits: OperationLimits): number {
  const arg = field.arguments?.find((a) => PAGE_ARGS.has(a.name.value));
  if (arg?.value.kind === Kind.INT) return Number(arg.value.value);
  if (arg) return 100; // a variable: assume the largest page the schema allows
  const unwrapped = isNonNullType(type) ? type.ofType : type;
  return isListType(unwrapped) ? limits.defaultListSize : 1;
}

function cost(
  selectionSet: SelectionSetNode,
  parent: GraphQLObjectType,
  fragments: Record<string, FragmentDefinitionNode>,
  limits: OperationLimits,
): number {
  let total = 0;
  for (const field of fieldsOf(selectionSet, fragments)) {
    const definition = parent.getFields()[field.name.value];
    if (!definition) continue;
    const child = getNamedType(definition.type);
    const nested = field.selectionSet && isObjectType(child) ? cost(field.selectionSet, child, fragments, limits) : 0;
    // Connections carry their page size on the field with `first`; their edges are lists of 1 page.
    total += pageSize(field, definition.type, limits) * (1 + nested);
  }
  return total;
}

/** The limits as graphql-js validation rules, so a refused operation never reaches a subgraph. */
export function limitRules(limits: OperationLimits): ValidationRule[] {
  const perOperation =
    (check: (context: ValidationContext, fragments: Record<string, FragmentDefinitionNode>) => void): ValidationRule =>
    (context): ASTVisitor => ({
      Document(document) {
        const fragments = Object.fromEntries(
          document.definitions
            .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
            .map((d) => [d.name.value, d]),
        );
        check(context, fragments);
      },
    });

  return [
    perOperation((context, fragments) => {
      for (const op of context.getDocument().definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        const d = depth(op.selectionSet, fragments);
        if (d > limits.maxDepth) context.reportError(tooMuch('depth', limits.maxDepth, d, 'depth'));
        const roots = fieldsOf(op.selectionSet, fragments).filter((f) => f.name.value !== '__typename').length;
        if (roots > limits.maxRootFields) context.reportError(tooMuch('rootFields', limits.maxRootFields, roots, 'root field count'));
        const root = op.operation === 'query' ? context.getSchema().getQueryType() : op.operation === 'mutation' ? context.getSchema().getMutationType() : context.getSchema().getSubscriptionType();
        const c = root ? cost(op.selectionSet, root, fragments, limits) : 0;
        if (c > limits.maxCost) context.reportError(tooMuch('cost', limits.maxCost, c, 'estimated cost'));
      }
    }),
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

import {
  type FieldNode,
  type FragmentDefinitionNode,
  getNamedType,
  GraphQLError,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isAbstractType,
  isCompositeType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { CostDirectives, ListSize } from './cost-directives.ts';

/** Apollo demand control's base cost of a mutation: a write is dearer than any read. */
const MUTATION_COST = 10;
/** Arguments treated as slicing arguments on fields that declare no `@listSize`. */
const PAGE_ARGS = ['first', 'last', 'limit'];

/** A parent's `@listSize` handing its size to the children it names in `sizedFields`. */
interface Sizing {
  size: number;
  fields: readonly string[];
}

const isList = (type: GraphQLOutputType | GraphQLInputType) => isListType(isNonNullType(type) ? type.ofType : type);

/**
 * Estimates what one document's operations cost by the IBM GraphQL Cost Directives, as Apollo
 * demand control applies them: an object (interface, union) field costs 1 or its `@cost`, a
 * scalar or enum 0, a list multiplies its element by its size (slicing argument, else
 * `assumedSize`, else the default list size), arguments add their weights, a mutation adds 10.
 * On an abstract type the dearest possible type counts. Every selection set is measured once per
 * type and sizing and remembered, so repeated fragment spreads stay linear, and a fragment cycle
 * (reported by graphql-js's own NoFragmentCycles rule) counts as nothing instead of looping.
 */
export class CostEstimate {
  /** Fields that break their `requireOneSlicingArgument`; refused like Apollo does. */
  readonly problems = new Map<FieldNode, GraphQLError>();
  readonly #schema: GraphQLSchema;
  readonly #directives: CostDirectives;
  readonly #fragments: Record<string, FragmentDefinitionNode>;
  readonly #defaultListSize: number;
  readonly #cost = new Map<SelectionSetNode, Map<string, number>>();
  readonly #fields = new Map<SelectionSetNode, Map<string, FieldNode[]>>();

  constructor(
    schema: GraphQLSchema,
    directives: CostDirectives,
    fragments: Record<string, FragmentDefinitionNode>,
    defaultListSize: number,
  ) {
    this.#schema = schema;
    this.#directives = directives;
    this.#fragments = fragments;
    this.#defaultListSize = defaultListSize;
  }

  /** The estimated cost of one operation of the document. */
  operation(op: OperationDefinitionNode): number {
    const root = this.#schema.getRootType(op.operation);
    const base = op.operation === 'mutation' ? MUTATION_COST : 0;
    return root ? base + this.#selectionCost(op.selectionSet, root) : 0;
  }

  #selectionCost(selectionSet: SelectionSetNode, type: GraphQLCompositeType, sizing?: Sizing): number {
    // Only one possible type comes back per object: the dearest of them bounds the cost.
    if (isAbstractType(type)) {
      let dearest = 0;
      for (const possible of this.#schema.getPossibleTypes(type)) {
        dearest = Math.max(dearest, this.#selectionCost(selectionSet, possible, sizing));
      }
      return dearest;
    }
    const key = sizing ? `${type.name}:${sizing.size}:${sizing.fields.join(',')}` : type.name;
    const byKey = this.#cost.get(selectionSet) ?? new Map<string, number>();
    this.#cost.set(selectionSet, byKey);
    const known = byKey.get(key);
    if (known !== undefined) return known;
    // Met again while being measured means a fragment cycle: it counts as nothing.
    byKey.set(key, 0);
    let total = 0;
    for (const field of this.#fieldsOn(selectionSet, type)) {
      total += this.#fieldCost(field, type, sizing?.fields.includes(field.name.value) ? sizing.size : undefined);
    }
    byKey.set(key, total);
    return total;
  }

  /** The fields a selection set selects on one object type, through the fragments that apply to it. */
  #fieldsOn(selectionSet: SelectionSetNode, type: GraphQLObjectType): FieldNode[] {
    const byType = this.#fields.get(selectionSet) ?? new Map<string, FieldNode[]>();
    this.#fields.set(selectionSet, byType);
    const known = byType.get(type.name);
    if (known) return known;
    byType.set(type.name, []);
    // A set: a fragment spread twice selects its fields once (GraphQL merges them), so lists never double.
    const fields = new Set<FieldNode>();
    for (const selection of selectionSet.selections) {
      if (skipped(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        fields.add(selection);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : this.#fragments[selection.name.value];
      if (!fragment || !this.#applies(fragment.typeCondition?.name.value, type)) continue;
      for (const field of this.#fieldsOn(fragment.selectionSet, type)) fields.add(field);
    }
    const list = [...fields];
    byType.set(type.name, list);
    return list;
  }

  #applies(condition: string | undefined, type: GraphQLObjectType): boolean {
    if (condition === undefined || condition === type.name) return true;
    const conditionType = this.#schema.getType(condition);
    return conditionType !== undefined && isAbstractType(conditionType) && this.#schema.isSubType(conditionType, type);
  }

  #fieldCost(field: FieldNode, parent: GraphQLObjectType, upstreamSize: number | undefined): number {
    // __typename and introspection fields are not the parent's fields: they cost nothing.
    const definition = parent.getFields()[field.name.value];
    if (!definition) return 0;
    const coordinate = `${parent.name}.${definition.name}`;
    const named = getNamedType(definition.type);
    const listSize = this.#onField(this.#directives.listSizes, parent, definition.name) ?? implicitListSize(definition);
    const size = listSize && this.#expectedSize(field, definition, listSize, coordinate);
    const count = isList(definition.type) ? (upstreamSize ?? size ?? this.#defaultListSize) : 1;
    const weight =
      this.#onField(this.#directives.weights, parent, definition.name) ??
      this.#directives.weights.get(named.name) ??
      (isCompositeType(named) ? 1 : 0);
    const sizing = listSize?.sizedFields.length && size !== undefined ? { size, fields: listSize.sizedFields } : undefined;
    const children = field.selectionSet && isCompositeType(named) ? this.#selectionCost(field.selectionSet, named, sizing) : 0;
    let args = 0;
    for (const arg of field.arguments ?? []) {
      const argDefinition = definition.args.find((a) => a.name === arg.name.value);
      if (argDefinition) args += this.#inputCost(arg.value, argDefinition.type, this.#directives.weights.get(`${coordinate}(${arg.name.value}:)`));
    }
    return count * (weight + children) + args;
  }

  /** A directive on the object's field, else on the same field of an interface it implements. */
  #onField<T>(byCoordinate: ReadonlyMap<string, T>, parent: GraphQLObjectType, field: string): T | undefined {
    const own = byCoordinate.get(`${parent.name}.${field}`);
    if (own !== undefined) return own;
    for (const face of parent.getInterfaces()) {
      const inherited = byCoordinate.get(`${face.name}.${field}`);
      if (inherited !== undefined) return inherited;
    }
    return undefined;
  }

  /** The largest slicing argument given (defaults count), else the `assumedSize`. */
  #expectedSize(field: FieldNode, definition: GraphQLField<unknown, unknown>, listSize: ListSize, coordinate: string): number | undefined {
    let largest: number | undefined;
    let given = 0;
    for (const path of listSize.slicingArguments) {
      const value = this.#slicingValue(field, definition, path, listSize);
      if (value === undefined) continue;
      given++;
      largest = Math.max(largest ?? 0, value);
    }
    if (listSize.requireOneSlicingArgument && listSize.slicingArguments.length > 0 && given !== 1) {
      const message = `${coordinate} needs exactly one of its slicing arguments (${listSize.slicingArguments.join(', ')}); ${given} given`;
      this.problems.set(field, new GraphQLError(message, { nodes: field, extensions: { code: 'BAD_USER_INPUT', limit: 'cost' } }));
    }
    return largest ?? listSize.assumedSize;
  }

  #slicingValue(field: FieldNode, definition: GraphQLField<unknown, unknown>, path: string, listSize: ListSize): number | undefined {
    const [name, ...rest] = path.split('.');
    const fallback = numberAt(definition.args.find((a) => a.name === name)?.defaultValue, rest);
    let value: ValueNode | undefined = field.arguments?.find((a) => a.name.value === name)?.value;
    for (const key of rest) value = value?.kind === Kind.OBJECT ? value.fields.find((f) => f.name.value === key)?.value : value;
    if (value?.kind === Kind.INT) return Number(value.value);
    // Variables are not known while validating: assume the cap the server declares, else the default.
    if (value?.kind === Kind.VARIABLE) return listSize.assumedSize ?? Math.max(fallback ?? 0, this.#defaultListSize);
    return fallback;
  }

  /** An input object costs 1 (or its `@cost`) plus its fields, a list its items, a scalar its `@cost`. */
  #inputCost(value: ValueNode, type: GraphQLInputType, weight: number | undefined): number {
    const named = getNamedType(type);
    if (value.kind === Kind.NULL || value.kind === Kind.VARIABLE) return 0;
    if (value.kind === Kind.LIST) return value.values.reduce((sum, item) => sum + this.#inputCost(item, type, weight), weight ?? 0);
    if (value.kind === Kind.OBJECT && isInputObjectType(named)) {
      const fields = named.getFields();
      let total = weight ?? 1;
      for (const field of value.fields) {
        const definition = fields[field.name.value];
        if (definition) total += this.#inputCost(field.value, definition.type, this.#directives.weights.get(`${named.name}.${definition.name}`));
      }
      return total;
    }
    return weight ?? this.#directives.weights.get(named.name) ?? 0;
  }
}

/**
 * A field without `@listSize` but with a `first`/`last`/`limit` argument is read as if it declared
 * them as slicing arguments, sizing itself when a list, or its list fields when a connection.
 */
function implicitListSize(definition: GraphQLField<unknown, unknown>): ListSize | undefined {
  const slicingArguments = definition.args.filter((a) => PAGE_ARGS.includes(a.name)).map((a) => a.name);
  if (slicingArguments.length === 0) return undefined;
  const named = getNamedType(definition.type);
  const sizedFields =
    isList(definition.type) || !isObjectType(named) ? [] : Object.values(named.getFields()).filter((f) => isList(f.type)).map((f) => f.name);
  return { slicingArguments, sizedFields, requireOneSlicingArgument: false };
}

/** A number inside an argument's default value (`first: Int = 20`, `filter: Filter = {max: 10}`). */
function numberAt(value: unknown, path: string[]): number | undefined {
  let at = value;
  for (const key of path) at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined;
  return typeof at === 'number' ? at : undefined;
}

/** `@skip(if: true)` and `@include(if: false)` with literal conditions select nothing. */
function skipped(selection: SelectionNode): boolean {
  return (selection.directives ?? []).some((d) => {
    const condition = d.arguments?.find((a) => a.name.value === 'if')?.value;
    return condition?.kind === Kind.BOOLEAN && (d.name.value === 'skip' ? condition.value : d.name.value === 'include' && !condition.value);
  });
}

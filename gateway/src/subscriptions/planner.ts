import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type SubscriptionNode } from '@apollo/query-planner';
import { type DocumentNode, type GraphQLSchema, print } from 'graphql';

const PLAN_CACHE_SIZE = 500;

/**
 * Plans subscriptions with @apollo/gateway's own query planner: a SubscriptionNode whose
 * `primary` fetch goes to the subgraph that owns the field and whose `rest` fetches the fields
 * other subgraphs own. Plans are cached per operation text.
 */
export class SubscriptionPlanner {
  /** The API schema clients validate against (what Sandbox shows). */
  readonly schema: GraphQLSchema;
  readonly supergraphSchema: GraphQLSchema;
  readonly apiSchema: ReturnType<Supergraph['apiSchema']>;
  readonly #planner: QueryPlanner;
  readonly #plans = new Map<string, SubscriptionNode>();

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.apiSchema = supergraph.apiSchema();
    this.schema = this.apiSchema.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.#planner = new QueryPlanner(supergraph);
  }

  plan(document: DocumentNode, operationName?: string | null): SubscriptionNode {
    const key = `${operationName ?? ''}\n${print(document)}`;
    const cached = this.#plans.get(key);
    if (cached) return cached;
    const operation = operationFromDocument(this.apiSchema, document, { operationName: operationName ?? undefined });
    const plan = this.#planner.buildQueryPlan(operation);
    if (plan.node?.kind !== 'Subscription') throw new Error('Only subscriptions are planned here');
    if (this.#plans.size >= PLAN_CACHE_SIZE) this.#plans.delete(this.#plans.keys().next().value as string);
    this.#plans.set(key, plan.node);
    return plan.node;
  }
}

import { buildOperationContext, executeQueryPlan, type GraphQLDataSource } from '@apollo/gateway';
import { ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { QueryPlan } from '@apollo/query-planner';
import { type DocumentNode, type ExecutionResult, GraphQLError, type GraphQLFormattedError, type OperationDefinitionNode, print } from 'graphql';
import type { Logger } from '../../../kernel/log.ts';
import { inSpan, linkTo } from '../../../kernel/tracing.ts';
import type { GatewayContext } from '../context.ts';
import { Channel } from './channel.ts';
import type { SubscriptionPlanner } from './planner.ts';
import type { UpstreamConnections } from './upstream.ts';

export interface SubscribeArgs {
  document: DocumentNode;
  operationName?: string | null;
  variables: Record<string, unknown>;
  context: GatewayContext;
}

export interface FederatedSubscriptionDeps {
  planner: SubscriptionPlanner;
  /** The gateway's own data sources, by subgraph: the `rest` of the plan runs through them. */
  dataSources: Map<string, GraphQLDataSource>;
  /** The same error boundary as HTTP responses: known codes pass, internal faults become generic. */
  formatError: (error: GraphQLError | GraphQLFormattedError) => GraphQLError;
  /** Shares one resolution of an event among a caller's identical subscriptions (see sharedResolutions). */
  shared: SharedResolutions;
  /**
   * Subgraphs whose answers do not depend on the caller (PUBLIC_SUBGRAPHS, e.g. the catalog): their
   * `rest` fetches for one event are made once and shared by every subscriber.
   */
  publicSources: Map<string, GraphQLDataSource>;
  /**
   * Events one subscriber may have waiting (being resolved, or resolved and not yet sent). Past it
   * the stream ends with LIMIT_EXCEEDED naming the last event delivered, never a silent drop.
   * @default 256
   */
  maxBufferedEvents?: number;
  logger: Logger;
}

/**
 * A data source whose identical requests within one `scope` (an event) share one fetch: the many
 * subscribers of one event ask a public subgraph the same `_entities` question.
 */
export function sharedFetches(source: GraphQLDataSource, shared: SharedResolutions, scope: string): GraphQLDataSource {
  return {
    process: (options) =>
      shared.resolve(
        `${scope}|${options.request.query}|${JSON.stringify(options.request.variables ?? {})}`,
        () => source.process(options) as Promise<ExecutionResult>,
      ) as ReturnType<GraphQLDataSource['process']>,
  };
}

/**
 * One person's many tabs and devices subscribe to the same thing: the same upstream event, for the
 * same operation, variables and caller, resolves to the same result, so it is resolved once while
 * in flight and shared. Different callers never share (their fields may be scoped differently).
 */
export class SharedResolutions {
  readonly #pending = new Map<string, Promise<ExecutionResult>>();

  resolve(key: string, run: () => Promise<ExecutionResult>): Promise<ExecutionResult> {
    const existing = this.#pending.get(key);
    if (existing) return existing;
    const promise = run();
    this.#pending.set(key, promise);
    // Kept briefly after success (the same event reaches the other subscriptions within milliseconds);
    // a failure, or a result carrying errors, is forgotten at once, so the next event tries again.
    promise.then(
      (result) => (result.errors?.length ? this.#pending.delete(key) : setTimeout(() => this.#pending.delete(key), 100).unref()),
      () => this.#pending.delete(key),
    );
    return promise;
  }
}

/** The `sequence` of an upstream event, when its selection includes it (instance and KB events do). */
function sequenceOf(event: ExecutionResult): unknown {
  const root = event.data ? Object.values(event.data)[0] : undefined;
  return root && typeof root === 'object' && 'sequence' in root ? (root as { sequence: unknown }).sequence : undefined;
}

const overflow = (max: number, lastSequence: unknown) =>
  new GraphQLError(`This subscriber fell more than ${max} events behind; events after the last one delivered were dropped. Subscribe again.`, {
    extensions: { code: 'LIMIT_EXCEEDED', limit: 'bufferedEvents', max, lastDeliveredSequence: lastSequence ?? null },
  });

const internal = (message: string) => new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });

/**
 * Runs one federated subscription: the plan's primary fetch becomes a graphql-ws subscription to
 * the owning subgraph, and every event it yields runs the rest of the plan through
 * @apollo/gateway's executeQueryPlan, so fields of other subgraphs resolve exactly as in a query.
 * An error while resolving one event becomes that event's `errors`; the stream goes on.
 */
export function federatedSubscribe(
  deps: FederatedSubscriptionDeps,
  upstream: UpstreamConnections,
  args: SubscribeArgs,
): AsyncIterableIterator<ExecutionResult> {
  const channel = new Channel<ExecutionResult>();
  const node = deps.planner.plan(args.document, args.operationName);
  const { primary, rest } = node;
  const operationContext = buildOperationContext({
    schema: deps.planner.schema,
    operationDocument: args.document,
    operationName: args.operationName ?? undefined,
  });
  const operation = operationContext.operation as OperationDefinitionNode;
  const variables = Object.fromEntries((primary.variableUsages ?? []).map((name) => [name, args.variables[name]]));
  // Events are resolved one after another, so the client sees them in commit order.
  let queue = Promise.resolve();
  let resolving = 0;
  let overflowed = false;
  let lastSequence: unknown = null;
  const maxBuffered = deps.maxBufferedEvents ?? 256;

  // One span per event and subscriber, a new trace linked to the bridge's span for the change (its
  // `traceparent` comes in the event's extensions); the plan's fetches to other subgraphs are its children.
  const operationName = args.operationName ?? operation.name?.value ?? 'anonymous';
  const resolveEvent = (event: ExecutionResult): Promise<ExecutionResult> => {
    const link = linkTo(event.extensions?.traceparent as string | undefined, { 'atrium.link': 'change-event' });
    return inSpan(
      'gateway',
      `graphql.subscription.event ${operationName}`,
      { kind: SpanKind.CONSUMER, parent: ROOT_CONTEXT, links: link ? [link] : [], attributes: { 'graphql.operation.name': operationName, 'graphql.subgraph': primary.serviceName } },
      () => resolveEventUntraced(event),
    );
  };

  const resolveEventUntraced = async (event: ExecutionResult): Promise<ExecutionResult> => {
    const eventSource: GraphQLDataSource = { process: async () => ({ data: event.data, errors: event.errors }) } as GraphQLDataSource;
    // Fetches to caller-independent subgraphs are shared among the subscribers of this one event only.
    const eventKey = JSON.stringify(event);
    const publicSources = [...deps.publicSources].map(([name, source]) => [name, sharedFetches(source, deps.shared, `${name}|${eventKey}`)] as const);
    const serviceMap = Object.fromEntries([...deps.dataSources, ...publicSources, [primary.serviceName, eventSource]]);
    const plan: QueryPlan = { kind: 'QueryPlan', node: rest ? { kind: 'Sequence', nodes: [primary, rest] } : primary };
    const requestContext = {
      request: { query: '', variables: args.variables, operationName: args.operationName ?? undefined },
      document: args.document,
      operation,
      operationName: args.operationName ?? null,
      context: args.context,
      logger: deps.logger,
      metrics: {},
      cache: undefined,
      overallCachePolicy: { restrict() {}, replace() {} },
    };
    const result = await executeQueryPlan(
      plan,
      serviceMap,
      requestContext as never,
      operationContext,
      deps.planner.supergraphSchema,
      deps.planner.apiSchema,
    );
    return { data: result.data ?? null, ...(result.errors?.length ? { errors: result.errors.map(deps.formatError) } : {}) };
  };

  // Keyed by session, not user: an older token of the same person may carry other roles.
  const callerKey = `${args.context.identity?.sessionId ?? 'anonymous'}|${args.operationName ?? ''}|${print(args.document)}|${JSON.stringify(args.variables)}`;
  const stop = upstream.subscribe(primary.serviceName, primary.operation, variables, {
    next(event) {
      if (overflowed) return;
      if (resolving + channel.size >= maxBuffered) {
        // A subscriber that cannot keep up: drop its backlog, tell it from where, and end.
        overflowed = true;
        stop();
        queue = queue.then(() => {
          channel.push({ errors: [overflow(maxBuffered, lastSequence)] });
          channel.end();
        });
        return;
      }
      resolving += 1;
      queue = queue
        .then(() => deps.shared.resolve(`${callerKey}|${JSON.stringify(event)}`, () => resolveEvent(event)))
        .then((result) => {
          lastSequence = sequenceOf(event) ?? lastSequence;
          channel.push(result);
        })
        .finally(() => {
          resolving -= 1;
        })
        .catch((err: unknown) => {
          deps.logger.error({ err }, 'resolving a subscription event failed');
          channel.push({ data: null, errors: [internal('This event could not be resolved')] });
        });
    },
    end(failure) {
      queue = queue.then(() => {
        if (failure) channel.push({ errors: [internal(failure)] });
        channel.end();
      });
    },
  });
  channel.onReturn = stop;
  return channel;
}

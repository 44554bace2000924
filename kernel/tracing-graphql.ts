import type { ApolloServerPlugin } from '@apollo/server';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';
import { createSourceEventStream, type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import { contextFrom, tracerFor, tracingActive } from './tracing.ts';

/**
 * A subgraph's side of a trace: one span per /graphql request, continuing the `traceparent` the
 * gateway sent, active while the request runs (so SQL spans are its children); and the trace context
 * of subscription events passed on to the gateway.
 */

/**
 * Express middleware opening the request's span (`graphql.request`, renamed with the operation by
 * {@link operationSpanNames}) as a child of the caller's `traceparent`. It passes straight through
 * when tracing is off.
 */
export function traceRequests(service: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!tracingActive()) {
      next();
      return;
    }
    const parent = contextFrom(req.headers);
    const span = tracerFor(service).startSpan(
      'graphql.request',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'url.path': req.originalUrl.split('?')[0] ?? '' } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500 || !res.writableFinished) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}

/** Names the request's span after its operation once Apollo has resolved it: `graphql.request <OperationName>`. */
export function operationSpanNames(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      if (!tracingActive()) return;
      return {
        async didResolveOperation({ operationName, operation }) {
          const span = trace.getActiveSpan();
          if (!span) return;
          span.updateName(`graphql.request ${operationName ?? 'anonymous'}`);
          span.setAttributes({ 'graphql.operation.name': operationName ?? '', 'graphql.operation.type': operation?.operation ?? '' });
        },
        async didEncounterErrors({ errors }) {
          trace.getActiveSpan()?.setAttribute('graphql.errors', errors.length);
        },
      };
    },
  };
}

/**
 * graphql-ws's `subscribe` that hands each event's trace context on: the bridge puts the
 * `traceparent` of its span in the logged event's `source`, and this copies it into the result's
 * `extensions`, where the gateway reads it to link its delivery span. Otherwise what graphql-js's
 * own `subscribe` does: the source stream, each payload executed as the root value.
 */
export async function subscribeWithTraceContext(args: ExecutionArgs) {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream as ExecutionResult;
  return mapEvents(stream as AsyncIterable<unknown>, async (payload) => {
    const result = await execute({ ...args, rootValue: payload });
    const traceparent = (payload as { event?: { source?: { traceparent?: unknown } } } | null)?.event?.source?.traceparent;
    return typeof traceparent === 'string' ? { ...result, extensions: { ...result.extensions, traceparent } } : result;
  });
}

/**
 * Maps an async iterator, forwarding `return()` at once (not after the pending event, as an async
 * generator would), so an unsubscribe reaches the event bus immediately.
 */
function mapEvents<T, U>(iterable: AsyncIterable<T>, map: (value: T) => Promise<U>): AsyncGenerator<U, void, void> {
  const iterator = iterable[Symbol.asyncIterator]();
  const mapped = async (result: IteratorResult<T>): Promise<IteratorResult<U, void>> => {
    if (result.done) return { done: true, value: undefined };
    try {
      return { done: false, value: await map(result.value) };
    } catch (err) {
      await iterator.return?.().catch(() => {});
      throw err;
    }
  };
  const generator: AsyncGenerator<U, void, void> = {
    next: async () => mapped(await iterator.next()),
    return: async () => (iterator.return ? mapped(await iterator.return()) : { done: true, value: undefined }),
    throw: async (err: unknown) => {
      if (iterator.throw) return mapped(await iterator.throw(err));
      throw err;
    },
    [Symbol.asyncIterator]: () => generator,
    [Symbol.asyncDispose]: async () => {
      await generator.return();
    },
  };
  return generator;
}

import { serviceUnavailable } from './errors.ts';
import { INTERNAL_HEADER } from './internal-auth.ts';
import type { Logger } from './log.ts';
import { injectTraceContext } from './tracing.ts';

/**
 * Asks another subgraph about its entities through federation's entity protocol (`_entities`), the
 * same call the gateway makes, so no subgraph reads another's tables. Answers in the order asked,
 * null for an entity that does not exist; an owner that is down or errs is SERVICE_UNAVAILABLE.
 */
export function federatedEntities(opts: { url: string; owner: string; credential: () => string; logger: Logger }) {
  return async function lookup<T>(typename: string, selection: string, ids: string[]): Promise<(T | null)[]> {
    if (!ids.length) return [];
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on ${typename} { ${selection} } } }`;
    let body: { data?: { _entities?: (T | null)[] }; errors?: unknown[] };
    try {
      const res = await fetch(opts.url, {
        method: 'POST',
        // The trace continues into the owner (a no-op unless tracing is configured).
        headers: injectTraceContext({ 'content-type': 'application/json', [INTERNAL_HEADER]: opts.credential() }),
        body: JSON.stringify({ query, variables: { r: ids.map((id) => ({ __typename: typename, id })) } }),
        signal: AbortSignal.timeout(5000),
      });
      body = (await res.json()) as typeof body;
    } catch (err) {
      opts.logger.error({ err, url: opts.url }, `${opts.owner} did not answer a ${typename} lookup`);
      throw serviceUnavailable(`The ${opts.owner} is unavailable; try again shortly`);
    }
    if (body.errors?.length) {
      opts.logger.error({ errors: body.errors }, `${opts.owner} answered a ${typename} lookup with errors`);
      throw serviceUnavailable(`The ${opts.owner} is unavailable; try again shortly`);
    }
    return body.data?._entities ?? ids.map(() => null);
  };
}

import { serviceUnavailable } from '../../../../kernel/errors.ts';
import { INTERNAL_HEADER } from '../../../../kernel/internal-auth.ts';
import { injectTraceContext } from '../../../../kernel/tracing.ts';
import type { Logger } from '../../../../kernel/log.ts';

/** What the instances subgraph needs to know about a catalog agent, and nothing more. */
export interface AgentDirectory {
  /** True when the agent exists and is active; the catalog owns that fact. */
  isActive(agentId: string): Promise<boolean>;
}

const ENTITIES = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Agent { id active } } }';

/**
 * Asks the catalog subgraph through federation's entity protocol (`_entities`), the same call the
 * gateway makes, so the instances subgraph never reads the catalog's tables.
 */
export function federatedAgentDirectory(catalogUrl: string, credential: () => string, logger: Logger): AgentDirectory {
  return {
    async isActive(agentId) {
      let body: { data?: { _entities?: ({ active?: boolean } | null)[] }; errors?: unknown[] };
      try {
        const res = await fetch(catalogUrl, {
          method: 'POST',
          // The trace continues into the catalog (a no-op unless tracing is configured).
          headers: injectTraceContext({ 'content-type': 'application/json', [INTERNAL_HEADER]: credential() }),
          body: JSON.stringify({ query: ENTITIES, variables: { r: [{ __typename: 'Agent', id: agentId }] } }),
          signal: AbortSignal.timeout(5000),
        });
        body = (await res.json()) as typeof body;
      } catch (err) {
        logger.error({ err, catalogUrl }, 'catalog did not answer an agent lookup');
        throw serviceUnavailable('The catalog is unavailable; try again shortly');
      }
      if (body.errors?.length) {
        logger.error({ errors: body.errors }, 'catalog answered an agent lookup with errors');
        throw serviceUnavailable('The catalog is unavailable; try again shortly');
      }
      return body.data?._entities?.[0]?.active === true;
    },
  };
}

import { federatedEntities } from '../../../../kernel/entity-lookup.ts';
import type { Logger } from '../../../../kernel/log.ts';

/** What the instances subgraph needs to know about a catalog agent, and nothing more. */
export interface AgentDirectory {
  /** True when the agent exists and is active; the catalog owns that fact. */
  isActive(agentId: string): Promise<boolean>;
}

/** Asks the catalog subgraph through federation's entity protocol, so instances never read the catalog's tables. */
export function federatedAgentDirectory(catalogUrl: string, credential: () => string, logger: Logger): AgentDirectory {
  const lookup = federatedEntities({ url: catalogUrl, owner: 'catalog', credential, logger });
  return {
    async isActive(agentId) {
      const [agent] = await lookup<{ active?: boolean }>('Agent', 'id active', [agentId]);
      return agent?.active === true;
    },
  };
}

import type { EntityManager } from '@mikro-orm/postgresql';
import { Agent } from './agent.entity.ts';

/** A few agents so a newcomer's `npm start` has a catalog to look at. */
const DEMO_AGENTS = [
  {
    slug: 'research-assistant',
    name: 'Research Assistant',
    description: 'Searches the web and your knowledge base, then writes a sourced summary.',
    category: 'research',
    capabilities: ['web-search', 'summarise', 'cite-sources'],
  },
  {
    slug: 'support-agent',
    name: 'Customer Support Agent',
    description: 'Answers customer questions from your documentation and hands off to a human when unsure.',
    category: 'support',
    capabilities: ['knowledge-base', 'handoff'],
  },
  {
    slug: 'job-scout',
    name: 'Job Scout',
    description: 'Finds job openings that match your profile and drafts cover letters.',
    category: 'careers',
    capabilities: ['job-search', 'cover-letters'],
  },
];

/** Seeds the demo agents when the catalog is empty; returns how many were added. */
export async function seedDemoCatalog(em: EntityManager): Promise<number> {
  if ((await em.count(Agent, {})) > 0) return 0;
  for (const agent of DEMO_AGENTS) em.create(Agent, agent);
  await em.flush();
  return DEMO_AGENTS.length;
}

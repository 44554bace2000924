import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isUuid } from '../../../kernel/validation.ts';
import type { InstancesLoaders } from './context.ts';
import { Instance } from './instance/instance.entity.ts';
import { KnowledgeBase } from './knowledge-base/knowledge-base.entity.ts';

/** Groups rows by a key, in the order of `keys`, for a DataLoader batch. */
function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

export function createLoaders(em: EntityManager): InstancesLoaders {
  return {
    instanceById: new DataLoader(async (ids) => {
      const valid = ids.filter(isUuid);
      const rows = valid.length ? await em.find(Instance, { id: { $in: valid } }) : [];
      return groupBy(ids, rows, (r) => r.id).map((g) => g[0] ?? null);
    }),
    instancesByOwner: new DataLoader(async (ownerIds) => {
      const rows = await em.find(Instance, { ownerId: { $in: [...ownerIds] } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
      return groupBy(ownerIds, rows, (r) => r.ownerId);
    }),
    knowledgeBaseByInstance: new DataLoader(async (instanceIds) => {
      const rows = await em.find(KnowledgeBase, { instance: { $in: [...instanceIds] } });
      return groupBy(instanceIds, rows, (r) => r.instance.id).map((g, i) => {
        if (!g[0]) throw new Error(`Instance ${instanceIds[i]} has no knowledge base`);
        return g[0];
      });
    }),
    entryCountByKnowledgeBase: new DataLoader(async (kbIds) => {
      const placeholders = kbIds.map(() => '?').join(', ');
      const rows: { knowledge_base_id: string; count: string }[] = await em.execute(
        `select knowledge_base_id, count(*) as count from instances.knowledge_base_entry
         where knowledge_base_id in (${placeholders}) group by knowledge_base_id`,
        [...kbIds],
      );
      const counts = new Map(rows.map((r) => [r.knowledge_base_id, Number(r.count)]));
      return kbIds.map((id) => counts.get(id) ?? 0);
    }),
  };
}

import type { CapturedTable } from '../cdc/contract.ts';
import { loadSubgraphs } from './list.ts';

/**
 * Every table whose changes feed subscriptions, gathered from each subgraph's own declaration
 * (`capture` in its subgraph.ts): the relay publishes exactly these and the bridge maps them.
 */
export const CAPTURED_TABLES: CapturedTable[] = (await loadSubgraphs()).flatMap((s) => s.module.capture ?? []);

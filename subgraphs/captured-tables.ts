import type { CapturedTable } from '../cdc/contract.ts';
import { CAPTURE as INSTANCES } from './instances/src/events/capture.ts';

/**
 * Every table whose changes feed subscriptions, gathered from each subgraph's own declaration
 * (`src/events/capture.ts`): the relay publishes exactly these and the bridge maps them.
 */
export const CAPTURED_TABLES: CapturedTable[] = [...INSTANCES];

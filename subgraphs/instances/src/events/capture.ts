import { captureTables } from '../../../../cdc/contract.ts';
import { ENTRY_EVENTS, entryEvent, INSTANCE_EVENTS, instanceEvent, KNOWLEDGE_BASE_EVENTS, knowledgeBaseEvent } from './instance-events.ts';

/** The instances subgraph's captured tables and the events their changes become. */
export const CAPTURE = captureTables(
  { schema: 'instances', table: 'instance', channel: INSTANCE_EVENTS, toEvent: instanceEvent },
  { schema: 'instances', table: 'knowledge_base_entry', channel: ENTRY_EVENTS, toEvent: entryEvent },
  { schema: 'instances', table: 'knowledge_base', channel: KNOWLEDGE_BASE_EVENTS, toEvent: knowledgeBaseEvent },
);

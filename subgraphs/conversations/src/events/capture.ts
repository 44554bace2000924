import { captureTables } from '../../../../cdc/contract.ts';
import { CONVERSATION_EVENTS, messageEvent, readEvent } from './conversation-events.ts';

/** The conversations subgraph's captured tables: both feed one channel, so one subscription sees a conversation whole. */
export const CAPTURE = captureTables(
  { schema: 'conversations', table: 'message', channel: CONVERSATION_EVENTS, toEvent: messageEvent },
  { schema: 'conversations', table: 'participant', channel: CONVERSATION_EVENTS, toEvent: readEvent },
);

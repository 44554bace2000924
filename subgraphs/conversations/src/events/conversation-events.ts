import type { ChangePayload } from '../../../../cdc/contract.ts';

/** The channel of everything that happens in conversations: messages added or changed, and read positions. */
export const CONVERSATION_EVENTS = 'conversations.conversation-events';

export interface ConversationEventMessage {
  type: 'MESSAGE_ADDED' | 'MESSAGE_UPDATED' | 'READ';
  conversationId: string;
  messageId: string | null;
  /** Who read (READ). */
  readerId: string | null;
  occurredAt: string;
}

/** A message stored (MESSAGE_ADDED) or changed, e.g. an answer's text or status (MESSAGE_UPDATED); deletions go with their conversation. */
export function messageEvent(change: ChangePayload): ConversationEventMessage | null {
  if ((change.op !== 'c' && change.op !== 'u') || !change.after?.id) return null;
  return {
    type: change.op === 'c' ? 'MESSAGE_ADDED' : 'MESSAGE_UPDATED',
    conversationId: String(change.after.conversation_id),
    messageId: String(change.after.id),
    readerId: null,
    occurredAt: new Date(change.source.ts_ms).toISOString(),
  };
}

/** A participant's read position moving forward; other changes of the row (last activity) are not events. */
export function readEvent(change: ChangePayload): ConversationEventMessage | null {
  if (change.op !== 'u' || !change.after) return null;
  if (change.after.read_message_id === change.before?.read_message_id || !change.after.read_message_id) return null;
  return {
    type: 'READ',
    conversationId: String(change.after.conversation_id),
    messageId: String(change.after.read_message_id),
    readerId: String(change.after.user_id),
    occurredAt: new Date(change.source.ts_ms).toISOString(),
  };
}

import type { Schemas } from "../../api/client";
import type { Conversation, ConversationPage } from "./cache";

/** The conversation list's rows and pages, without React or the network. */

export type MessageHit = Schemas["MessageHit"];

/**
 * The list kept under conversationsKey(workspaceId), where the realtime client and the chat pane
 * update it; `filter` says which filter set it holds, so a change of filters never shows another set.
 */
export type ListData = ConversationPage & { filter?: string };

/** Appends a further page; a conversation already listed (moved up by a live update) stays where it is. */
export function appendPage(list: ListData, page: ConversationPage): ListData {
  const seen = new Set(list.items.map((c) => c.id));
  return { ...list, items: [...list.items, ...page.items.filter((c) => !seen.has(c.id))], next_cursor: page.next_cursor };
}

/** The id `step` rows away from `currentId` (the first row when nothing is selected), or undefined at an end. */
export function neighbour(ids: readonly string[], currentId: string | undefined, step: 1 | -1): string | undefined {
  if (ids.length === 0) return undefined;
  const at = currentId === undefined ? -1 : ids.indexOf(currentId);
  if (at === -1) return step === 1 ? ids[0] : undefined;
  return ids[at + step];
}

export type ListRow = { kind: "conversation"; conversation: Conversation } | { kind: "hit"; hit: MessageHit };

export function rowConversationId(row: ListRow): string {
  return row.kind === "conversation" ? row.conversation.id : row.hit.conversation_id;
}

/** Conversation ids in row order, each once (a conversation can have several search hits). */
export function rowIds(rows: readonly ListRow[]): string[] {
  return [...new Set(rows.map(rowConversationId))];
}

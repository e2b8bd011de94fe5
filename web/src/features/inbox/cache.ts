import type { QueryClient } from "@tanstack/react-query";

import type { Schemas } from "../../api/client";
import type { ConversationOut, Message, WorkspaceEvent } from "./realtime";

/** How realtime events change the inbox's TanStack Query data. Pure where it can be. */

export type Conversation = Schemas["ConversationView"];
export type ConversationPage = Schemas["PageOut_ConversationView_"];
export type MessagesPage = Schemas["MessagesPage"];

export const conversationsKey = (workspaceId: string) => ["conversations", workspaceId] as const;
export const messagesKey = (workspaceId: string, conversationId: string) =>
  ["messages", workspaceId, conversationId] as const;

/** Ids of replies shown before the server answered. */
export const PENDING_PREFIX = "pending-";

/**
 * Inserts or replaces a message, kept in seq order; the pending reply it confirms goes away
 * (sent with the id after PENDING_PREFIX, so realtime's copy confirms it too).
 */
export function upsertMessage(page: MessagesPage | undefined, message: Message, replaces?: string): MessagesPage | undefined {
  if (!page) return page;
  const pending = PENDING_PREFIX + message.id;
  const items = page.items.filter((m) => m.id !== message.id && m.id !== replaces && m.id !== pending);
  items.push(message);
  // Pending replies have no seq yet: they stay last.
  items.sort((a, b) => pendingLast(a) - pendingLast(b) || a.seq - b.seq);
  return { ...page, items };
}

function pendingLast(m: Message): number {
  return m.id.startsWith(PENDING_PREFIX) ? 1 : 0;
}

export function removeMessage(page: MessagesPage | undefined, id: string): MessagesPage | undefined {
  return page && { ...page, items: page.items.filter((m) => m.id !== id) };
}

export function setStatus(
  page: MessagesPage | undefined,
  messageId: string,
  status: NonNullable<Message["status"]>,
  error: Message["error"] | undefined,
): MessagesPage | undefined {
  if (!page?.items.some((m) => m.id === messageId)) return page;
  return {
    ...page,
    items: page.items.map((m) => (m.id === messageId ? { ...m, status, error: error ?? null } : m)),
  };
}

function byActivity(a: Conversation, b: Conversation): number {
  return b.last_activity_at.localeCompare(a.last_activity_at);
}

/** A new message moves its conversation to the top with its preview; others' messages count as unread. */
export function listWithMessage(
  page: ConversationPage | undefined,
  message: Message,
  openConversationId: string | undefined,
): ConversationPage | undefined {
  const current = page?.items.find((c) => c.id === message.conversation_id);
  if (!page || !current || message.seq <= current.last_seq) return page;
  const unread = message.direction === "in" && message.conversation_id !== openConversationId;
  const updated: Conversation = {
    ...current,
    last_seq: message.seq,
    last_activity_at: message.created_at > current.last_activity_at ? message.created_at : current.last_activity_at,
    last_message_preview: message.type === "note" ? current.last_message_preview : (message.text ?? current.last_message_preview),
    unread_count: (current.unread_count ?? 0) + (unread ? 1 : 0),
  };
  return { ...page, items: page.items.map((c) => (c.id === updated.id ? updated : c)).sort(byActivity) };
}

/** A conversation's new state; the member's own unread count is kept (events do not carry it). */
export function listWithConversation(page: ConversationPage | undefined, conversation: ConversationOut): ConversationPage | undefined {
  if (!page) return page;
  const current = page.items.find((c) => c.id === conversation.id);
  const merged: Conversation = { ...conversation, unread_count: current?.unread_count ?? 0 };
  const items = current ? page.items.map((c) => (c.id === merged.id ? merged : c)) : [merged, ...page.items];
  return { ...page, items: items.sort(byActivity) };
}

export function listWithUnread(page: ConversationPage | undefined, conversationId: string, unread: number): ConversationPage | undefined {
  return page && { ...page, items: page.items.map((c) => (c.id === conversationId ? { ...c, unread_count: unread } : c)) };
}

/** Applies what the realtime client delivers to the query cache. */
export function applyMessage(queryClient: QueryClient, workspaceId: string, message: Message, openId: string | undefined): void {
  queryClient.setQueryData<MessagesPage>(messagesKey(workspaceId, message.conversation_id), (page) => upsertMessage(page, message));
  const list = queryClient.getQueryData<ConversationPage>(conversationsKey(workspaceId));
  if (list && !list.items.some((c) => c.id === message.conversation_id)) {
    void queryClient.invalidateQueries({ queryKey: conversationsKey(workspaceId) });
    return;
  }
  queryClient.setQueryData<ConversationPage>(conversationsKey(workspaceId), (page) => listWithMessage(page, message, openId));
}

export function applyEvent(queryClient: QueryClient, workspaceId: string, event: WorkspaceEvent, myUserId: string | undefined): void {
  switch (event.type) {
    case "message.updated":
      queryClient.setQueryData<MessagesPage>(messagesKey(workspaceId, event.message.conversation_id), (page) =>
        page?.items.some((m) => m.id === event.message.id) ? upsertMessage(page, event.message) : page,
      );
      return;
    case "message.status_changed":
      queryClient.setQueryData<MessagesPage>(messagesKey(workspaceId, event.conversation_id), (page) =>
        setStatus(page, event.message_id, event.status, event.error),
      );
      return;
    case "conversation.created":
    case "conversation.updated":
      queryClient.setQueryData<ConversationPage>(conversationsKey(workspaceId), (page) => listWithConversation(page, event.conversation));
      queryClient.setQueryData<Conversation>(["conversation", workspaceId, event.conversation.id], (current) =>
        current && { ...event.conversation, unread_count: current.unread_count },
      );
      return;
    case "conversation.read":
      if (event.user_id === myUserId) {
        queryClient.setQueryData<ConversationPage>(conversationsKey(workspaceId), (page) =>
          listWithUnread(page, event.conversation_id, event.unread_count),
        );
      }
      return;
  }
}

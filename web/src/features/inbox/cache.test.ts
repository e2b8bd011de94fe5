import { describe, expect, it } from "vitest";

import { listWithConversation, listWithMessage, setStatus, upsertMessage, type Conversation, type ConversationPage } from "./cache";
import type { Message } from "./realtime";

const msg = (id: string, seq: number, extra: Partial<Message> = {}): Message => ({
  id, conversation_id: "c1", seq, direction: "in", sender_type: "contact", sender_id: null, type: "text",
  text: `t${seq}`, payload: {}, external_id: null, status: null, error: null,
  created_at: `2026-03-01T09:00:0${seq}Z`, edited_at: null, recalled_at: null, ...extra,
});

const conv = (id: string, at: string, extra: Partial<Conversation> = {}): Conversation => ({
  id, channel_id: "ch", contact_id: "ct", status: "open", priority: "normal", assignee_user_id: null,
  last_seq: 1, last_activity_at: at, last_message_preview: "old", first_response_at: null, resolved_at: null,
  created_at: at, unread_count: 0, ...extra,
});

describe("inbox cache", () => {
  it("keeps messages in seq order with pending replies last, and a confirmed reply replaces its pending one", () => {
    let page = upsertMessage({ items: [msg("a", 1), msg("c", 3)], has_more: false }, msg("pending-x", Number.MAX_SAFE_INTEGER));
    page = upsertMessage(page, msg("b", 2));
    expect(page!.items.map((m) => m.id)).toEqual(["a", "b", "c", "pending-x"]);
    page = upsertMessage(page, msg("d", 4, { direction: "out", status: "queued" }), "pending-x");
    expect(page!.items.map((m) => m.id)).toEqual(["a", "b", "c", "d"]);
    page = setStatus(page, "d", "read", null);
    expect(page!.items.at(-1)!.status).toBe("read");
  });

  it("a reply arriving over realtime before the send's answer replaces its pending copy: never shown twice", () => {
    let page = upsertMessage({ items: [msg("a", 1)], has_more: false }, msg("pending-e", Number.MAX_SAFE_INTEGER));
    page = upsertMessage(page, msg("e", 2, { direction: "out", status: "queued" })); // realtime, no `replaces`
    expect(page!.items.map((m) => m.id)).toEqual(["a", "e"]);
  });

  it("moves a conversation with a new message to the top with its preview and unread count", () => {
    const list: ConversationPage = {
      items: [conv("c2", "2026-03-01T08:30:00Z"), conv("c1", "2026-03-01T08:00:00Z")],
      next_cursor: null,
    };
    const next = listWithMessage(list, msg("m", 2, { text: "new" }), "c2")!;
    expect(next.items.map((c) => [c.id, c.last_message_preview, c.unread_count])).toEqual([
      ["c1", "new", 1],
      ["c2", "old", 0],
    ]);
    expect(listWithMessage(next, msg("m", 2, { text: "new" }), undefined)).toBe(next); // seq already counted
    const open = listWithMessage(list, msg("m", 2), "c1")!;
    expect(open.items[0]!.unread_count).toBe(0);
  });

  it("a conversation update keeps the member's unread count", () => {
    const list: ConversationPage = { items: [conv("c1", "2026-03-01T08:00:00Z", { unread_count: 3 })], next_cursor: null };
    const { unread_count: _ignored, ...out } = conv("c1", "2026-03-01T08:00:00Z", { status: "resolved" });
    void _ignored;
    const next = listWithConversation(list, out)!;
    expect(next.items[0]).toMatchObject({ status: "resolved", unread_count: 3 });
  });
});

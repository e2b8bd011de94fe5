import { describe, expect, it } from "vitest";

import type { Conversation } from "./cache";
import { appendPage, neighbour, rowIds, type ListRow, type MessageHit } from "./conversationListRows";
import { snoozePresets } from "./conversationListSnooze";

const conv = (id: string): Conversation => ({
  id, channel_id: "ch", contact_id: "ct", status: "open", priority: "normal", assignee_user_id: null,
  last_seq: 1, last_activity_at: "2026-03-01T09:00:00Z", last_message_preview: null, first_response_at: null,
  resolved_at: null, created_at: "2026-03-01T09:00:00Z", unread_count: 0,
});
const hit = (id: string, conversationId: string): MessageHit => ({
  id, conversation_id: conversationId, channel_id: "ch", seq: 1, snippet: [], created_at: "2026-03-01T09:00:00Z",
});

describe("conversation list", () => {
  it("appends a page without repeating conversations a live update moved up", () => {
    const list = { items: [conv("c"), conv("a"), conv("b")], next_cursor: "1", filter: "tab=all" };
    const next = appendPage(list, { items: [conv("c"), conv("d")], next_cursor: null });
    expect(next.items.map((c) => c.id)).toEqual(["c", "a", "b", "d"]);
    expect(next.next_cursor).toBeNull();
    expect(next.filter).toBe("tab=all");
  });

  it("finds the next and previous conversation for j and k", () => {
    const ids = ["a", "b", "c"];
    expect(neighbour(ids, "a", 1)).toBe("b");
    expect(neighbour(ids, "b", -1)).toBe("a");
    expect(neighbour(ids, "c", 1)).toBeUndefined();
    expect(neighbour(ids, "a", -1)).toBeUndefined();
    expect(neighbour(ids, undefined, 1)).toBe("a");
    expect(neighbour(ids, "gone", 1)).toBe("a");
    expect(neighbour([], undefined, 1)).toBeUndefined();
  });

  it("lists each conversation once when several search hits lead to it", () => {
    const rows: ListRow[] = [
      { kind: "hit", hit: hit("m1", "c1") },
      { kind: "hit", hit: hit("m2", "c2") },
      { kind: "hit", hit: hit("m3", "c1") },
    ];
    expect(rowIds(rows)).toEqual(["c1", "c2"]);
    expect(rowIds([{ kind: "conversation", conversation: conv("x") }])).toEqual(["x"]);
  });

  it("offers snooze times an hour on, tomorrow at 9:00 and next Monday at 9:00", () => {
    const wednesday = new Date(2026, 2, 4, 15, 30); // 4 March 2026 is a Wednesday
    const { oneHour, tomorrow, nextWeek } = snoozePresets(wednesday);
    expect(oneHour.getTime() - wednesday.getTime()).toBe(3600_000);
    expect([tomorrow.getDate(), tomorrow.getHours(), tomorrow.getMinutes()]).toEqual([5, 9, 0]);
    expect([nextWeek.getDay(), nextWeek.getDate(), nextWeek.getHours()]).toEqual([1, 9, 9]);
    // On a Monday "next week" is the Monday after, not today.
    expect(snoozePresets(new Date(2026, 2, 9, 8, 0)).nextWeek.getDate()).toBe(16);
  });
});

import { describe, expect, it } from "vitest";

import type { Conversation } from "./cache";
import { filterKey, filtersFromSearch, filtersToSearch, listQuery, matchesFilters, type ListFilters } from "./filters";

const conv = (extra: Partial<Conversation> = {}): Conversation => ({
  id: "c1", channel_id: "ch1", contact_id: "ct", status: "open", priority: "normal", assignee_user_id: null,
  last_seq: 1, last_activity_at: "2026-03-01T09:00:00Z", last_message_preview: "hi", first_response_at: null,
  resolved_at: null, created_at: "2026-03-01T09:00:00Z", unread_count: 0, labels: [], ...extra,
});

describe("conversation list filters", () => {
  it("turns tabs and filters into the list's query parameters", () => {
    expect(listQuery({ tab: "all" })).toEqual({});
    expect(listQuery({ tab: "mine", status: "open" })).toEqual({ mine: true, status: "open" });
    expect(listQuery({ tab: "unassigned", channelId: "ch1", label: "vip", unread: true })).toEqual({
      unassigned: true,
      channel_id: "ch1",
      label: "vip",
      unread: true,
    });
  });

  it("round-trips through the URL, keeps other parameters and drops unknown values", () => {
    const filters: ListFilters = { tab: "mine", status: "pending", channelId: "ch1", label: "vip", unread: true };
    const search = filtersToSearch(filters, new URLSearchParams("other=1&status=open"));
    expect(search.get("other")).toBe("1");
    expect(filtersFromSearch(search)).toEqual(filters);
    expect(filtersFromSearch(new URLSearchParams("tab=bogus&status=closed"))).toEqual({
      tab: "all", status: undefined, channelId: undefined, label: undefined, unread: undefined,
    });
    // The default tab and empty filters leave the URL clean.
    expect(filtersToSearch({ tab: "all" }).toString()).toBe("");
  });

  it("gives each filter set its own key", () => {
    expect(filterKey({ tab: "all" })).not.toBe(filterKey({ tab: "mine" }));
    expect(filterKey({ tab: "mine", status: "open" })).toBe(filterKey({ status: "open", tab: "mine" }));
  });

  it("hides conversations that live updates changed out of the filters", () => {
    expect(matchesFilters(conv({ assignee_user_id: "me" }), { tab: "mine" }, "me")).toBe(true);
    expect(matchesFilters(conv({ assignee_user_id: "other" }), { tab: "mine" }, "me")).toBe(false);
    expect(matchesFilters(conv(), { tab: "mine" }, undefined)).toBe(false);
    expect(matchesFilters(conv({ assignee_user_id: "me" }), { tab: "unassigned" }, "me")).toBe(false);
    expect(matchesFilters(conv({ status: "resolved" }), { tab: "all", status: "open" }, "me")).toBe(false);
    expect(matchesFilters(conv(), { tab: "all", channelId: "ch2" }, "me")).toBe(false);
    expect(matchesFilters(conv({ labels: ["vip"] }), { tab: "all", label: "vip" }, "me")).toBe(true);
    expect(matchesFilters(conv(), { tab: "all", label: "vip" }, "me")).toBe(false);
    expect(matchesFilters(conv({ unread_count: 2 }), { tab: "all", unread: true }, "me")).toBe(true);
    expect(matchesFilters(conv(), { tab: "all", unread: true }, "me")).toBe(false);
  });
});

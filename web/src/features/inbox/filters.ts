import type { Conversation } from "./cache";

/** The conversation list's tabs and filters, kept in the URL so links and reloads keep them. */

export const TABS = ["mine", "unassigned", "all"] as const;
export type InboxTab = (typeof TABS)[number];
export const STATUSES = ["open", "pending", "snoozed", "resolved"] as const;
export type ListStatus = (typeof STATUSES)[number];

export interface ListFilters {
  tab: InboxTab;
  status?: ListStatus;
  channelId?: string;
  label?: string;
  unread?: boolean;
}

export const DEFAULT_FILTERS: ListFilters = { tab: "all" };

/** Query parameters of GET /conversations for these filters (cursor and limit added by the caller). */
export function listQuery(filters: ListFilters) {
  return {
    ...(filters.tab === "mine" ? { mine: true } : {}),
    ...(filters.tab === "unassigned" ? { unassigned: true } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.channelId ? { channel_id: filters.channelId } : {}),
    ...(filters.label ? { label: filters.label } : {}),
    ...(filters.unread ? { unread: true } : {}),
  };
}

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

export function filtersFromSearch(search: URLSearchParams): ListFilters {
  return {
    tab: oneOf(TABS, search.get("tab")) ?? DEFAULT_FILTERS.tab,
    status: oneOf(STATUSES, search.get("status")),
    channelId: search.get("channel") || undefined,
    label: search.get("label") || undefined,
    unread: search.get("unread") === "1" || undefined,
  };
}

/** Writes the filters into a copy of `search`, leaving other parameters alone; defaults are left out. */
export function filtersToSearch(filters: ListFilters, search: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(search);
  const set = (name: string, value: string | undefined) => (value ? next.set(name, value) : next.delete(name));
  set("tab", filters.tab === DEFAULT_FILTERS.tab ? undefined : filters.tab);
  set("status", filters.status);
  set("channel", filters.channelId);
  set("label", filters.label);
  set("unread", filters.unread ? "1" : undefined);
  return next;
}

/** A stable identity of a filter set: the list in the cache says which set it holds. */
export function filterKey(filters: ListFilters): string {
  return filtersToSearch(filters).toString() || "tab=all";
}

export function hasFilters(filters: ListFilters): boolean {
  return !!(filters.status || filters.channelId || filters.label || filters.unread);
}

/**
 * Whether a conversation still belongs in the list. Live updates insert and change conversations
 * without knowing the filters, so the list hides what no longer matches.
 */
export function matchesFilters(c: Conversation, filters: ListFilters, myUserId: string | undefined): boolean {
  if (filters.tab === "mine" && (myUserId === undefined || c.assignee_user_id !== myUserId)) return false;
  if (filters.tab === "unassigned" && c.assignee_user_id !== null) return false;
  if (filters.status && c.status !== filters.status) return false;
  if (filters.channelId && c.channel_id !== filters.channelId) return false;
  if (filters.label && !(c.labels ?? []).includes(filters.label)) return false;
  if (filters.unread && (c.unread_count ?? 0) === 0) return false;
  return true;
}

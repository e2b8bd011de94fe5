/** What the toolbar filters the contacts by. */
export interface ContactFilters {
  q: string;
  tags: string[];
  blocked: "all" | "blocked" | "unblocked";
}

export const NO_FILTERS: ContactFilters = { q: "", tags: [], blocked: "all" };

export interface ContactQuery {
  q?: string;
  tag?: string[];
  blocked?: boolean;
  cursor?: string;
  limit?: number;
}

/**
 * The list's query parameters: empty filters are left out, as the server rejects an empty `q`
 * (min length 1) and reads any `blocked` as a filter.
 */
export function contactQuery(filters: ContactFilters, cursor?: string | null, limit?: number): ContactQuery {
  const query: ContactQuery = {};
  const q = filters.q.trim();
  if (q) query.q = q.slice(0, 200);
  const tags = [...new Set(filters.tags.map((tag) => tag.trim()).filter(Boolean))];
  if (tags.length) query.tag = tags;
  if (filters.blocked !== "all") query.blocked = filters.blocked === "blocked";
  if (cursor) query.cursor = cursor;
  if (limit) query.limit = limit;
  return query;
}

/** The same filters as a query string, for the export link; tags repeat as the server expects. */
export function exportSearch(filters: ContactFilters): string {
  const query = contactQuery(filters);
  const params = new URLSearchParams();
  if (query.q) params.set("q", query.q);
  for (const tag of query.tag ?? []) params.append("tag", tag);
  if (query.blocked !== undefined) params.set("blocked", String(query.blocked));
  return params.toString();
}

/** contacts-YYYY-MM-DD.csv, by the local date. */
export function exportFilename(now: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `contacts-${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}.csv`;
}

/** Splits ids into the bulk endpoint's batches (at most `size` each). */
export function batches<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}

/** The tags to offer in the filter and bulk selects: those seen on the loaded contacts plus the chosen ones. */
export function tagOptions(contacts: readonly { tags: readonly string[] }[], chosen: readonly string[] = []): string[] {
  const all = new Set<string>(chosen);
  for (const contact of contacts) for (const tag of contact.tags) all.add(tag);
  return [...all].sort((a, b) => a.localeCompare(b));
}

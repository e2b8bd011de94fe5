import { useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useSearchParams } from "react-router";

import { api, unwrap } from "../../api/client";
import { useMe } from "../../session";
import { conversationsKey } from "./cache";
import { appendPage, rowIds, type ListData, type ListRow } from "./conversationListRows";
import { filterKey, filtersFromSearch, filtersToSearch, listQuery, matchesFilters, type ListFilters } from "./filters";

/** Data behind the conversation list: one live list for the current filters, plus server search. */

export const PAGE_SIZE = 50;
const MAX_PAGE = 200; // the API's largest page

async function fetchPage(workspaceId: string, filters: ListFilters, cursor: string | undefined, limit: number, signal?: AbortSignal) {
  return unwrap(
    await api.GET("/api/v1/workspaces/{workspace_id}/conversations", {
      params: { path: { workspace_id: workspaceId }, query: { ...listQuery(filters), limit, ...(cursor ? { cursor } : {}) } },
      signal,
    }),
  );
}

export function useConversationList(workspaceId: string, filters: ListFilters) {
  const queryClient = useQueryClient();
  const key = filterKey(filters);
  // Read when the query runs: a refetch by the realtime client (invalidation) uses the filters shown now.
  const current = useRef({ filters, key });
  current.current = { filters, key };
  const list = useQuery({
    queryKey: conversationsKey(workspaceId),
    queryFn: async ({ signal }): Promise<ListData> => {
      const { filters: f, key: k } = current.current;
      const before = queryClient.getQueryData<ListData>(conversationsKey(workspaceId));
      // A refresh keeps about as many rows as were loaded, so the list does not shrink under the reader.
      const loaded = before?.filter === k ? before.items.length : 0;
      const limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, loaded));
      return { ...(await fetchPage(workspaceId, f, undefined, limit, signal)), filter: k };
    },
  });
  const { refetch } = list;
  const stale = list.data !== undefined && list.data.filter !== key;
  useEffect(() => {
    if (stale) void refetch({ cancelRefetch: true });
  }, [stale, key, refetch]);

  const [loadingMore, setLoadingMore] = useState(false);
  const busy = useRef(false);
  const loadMore = useCallback(async () => {
    const data = queryClient.getQueryData<ListData>(conversationsKey(workspaceId));
    const { filters: f, key: k } = current.current;
    if (busy.current || !data?.next_cursor || data.filter !== k) return;
    const cursor = data.next_cursor;
    busy.current = true;
    setLoadingMore(true);
    try {
      const page = await fetchPage(workspaceId, f, cursor, PAGE_SIZE);
      // Only onto the list it continues: the filters may have changed, or a refresh replaced it.
      queryClient.setQueryData<ListData>(conversationsKey(workspaceId), (now) =>
        now && now.filter === k && now.next_cursor === cursor ? appendPage(now, page) : now,
      );
    } finally {
      busy.current = false;
      setLoadingMore(false);
    }
  }, [queryClient, workspaceId]);

  return {
    items: stale ? undefined : list.data?.items,
    hasMore: !stale && !!list.data?.next_cursor,
    isPending: list.isPending || stale,
    error: list.error,
    loadMore,
    loadingMore,
  };
}

/** Server search over messages; each hit leads to its conversation. */
export function useConversationSearch(workspaceId: string, q: string) {
  return useInfiniteQuery({
    queryKey: ["inbox-search", workspaceId, q],
    enabled: q.length > 0,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam, signal }) =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/search", {
          params: {
            path: { workspace_id: workspaceId },
            query: { q, type: "messages", limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) },
          },
          signal,
        }),
      ).messages ?? { items: [], next_cursor: null },
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** Channels by id, for the row icons and the channel filter; they change rarely. */
export function useInboxChannels(workspaceId: string) {
  return useQuery({
    queryKey: ["inbox-channels", workspaceId],
    staleTime: 5 * 60_000,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/channels", {
          params: { path: { workspace_id: workspaceId }, query: { limit: MAX_PAGE } },
        }),
      ).items,
  });
}

/** The list's state: filters from the URL, the typed search, and the rows to show. */
export function useInboxList(workspaceId: string, selectedId: string | undefined) {
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = useMemo(() => filtersFromSearch(searchParams), [searchParams]);
  const setFilters = useCallback(
    (next: ListFilters) => setSearchParams((now) => filtersToSearch(next, now), { replace: true }),
    [setSearchParams],
  );
  const [text, setText] = useState("");
  const [q, setQ] = useState("");
  useEffect(() => {
    // Search as the user pauses, not on every key.
    const timer = setTimeout(() => setQ(text.trim().slice(0, 200)), 300);
    return () => clearTimeout(timer);
  }, [text]);

  const me = useMe();
  const myId = me.data?.user.id;
  const list = useConversationList(workspaceId, filters);
  const search = useConversationSearch(workspaceId, q);
  const searching = q.length > 0;

  const rows = useMemo<ListRow[]>(() => {
    if (searching) return (search.data?.pages ?? []).flatMap((p) => p.items.map((hit) => ({ kind: "hit" as const, hit })));
    // The open conversation stays while it is open, so j/k still know where they are after a change.
    return (list.items ?? [])
      .filter((c) => c.id === selectedId || matchesFilters(c, filters, myId))
      .map((conversation) => ({ kind: "conversation" as const, conversation }));
  }, [searching, search.data, list.items, selectedId, filters, myId]);
  const ids = useMemo(() => rowIds(rows), [rows]);
  const labels = useMemo(
    () => [...new Set([...(list.items ?? []).flatMap((c) => c.labels ?? []), ...(filters.label ? [filters.label] : [])])].sort(),
    [list.items, filters.label],
  );

  return {
    filters,
    setFilters,
    text,
    setText,
    searching,
    rows,
    ids,
    labels,
    isPending: searching ? search.isPending : list.isPending,
    error: searching ? search.error : list.error,
    hasMore: searching ? search.hasNextPage : list.hasMore,
    loadingMore: searching ? search.isFetchingNextPage : list.loadingMore,
    loadMore: searching ? () => void search.fetchNextPage() : () => void list.loadMore(),
    find: (id: string | undefined) => (id ? list.items?.find((c) => c.id === id) : undefined),
    listReady: list.items !== undefined || list.error !== null,
  };
}

export type InboxList = ReturnType<typeof useInboxList>;

import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap } from "../../api/client";
import type { CannedResponseIn, CannedResponsePatch } from "./cannedResponseForms";

export * from "./cannedResponseForms";

// One page covers a workspace's canned responses in practice; the search narrows it further.
const LIMIT = 100;

export const cannedKeys = {
  all: (workspaceId: string) => ["canned-responses", workspaceId] as const,
  list: (workspaceId: string, q: string) => ["canned-responses", workspaceId, q] as const,
};

/**
 * The workspace's canned responses matching `q` (shortcut, title or body; empty for all), as
 * the first page's items. Shared by Settings and the inbox composer.
 */
export function useCannedResponses(workspaceId: string, q: string, options: { enabled?: boolean } = {}) {
  const query = q.trim();
  return useQuery({
    queryKey: cannedKeys.list(workspaceId, query),
    queryFn: async ({ signal }) =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/canned-responses", {
          params: { path: { workspace_id: workspaceId }, query: { ...(query ? { q: query } : {}), limit: LIMIT } },
          signal,
        }),
      ).items,
    // Typing in a search box: keep the last answer on screen until the next arrives.
    placeholderData: keepPreviousData,
    staleTime: 30_000,
    enabled: options.enabled ?? true,
  });
}

/** Create, edit and delete; each refreshes every search of the workspace's list. */
export function useCannedResponseActions(workspaceId: string) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: cannedKeys.all(workspaceId) });
  const item = (id: string) => ({ path: { workspace_id: workspaceId, canned_response_id: id } });

  const create = useMutation({
    mutationFn: async (body: CannedResponseIn) =>
      unwrap(
        await api.POST("/api/v1/workspaces/{workspace_id}/canned-responses", {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSettled: refresh,
  });
  const update = useMutation({
    mutationFn: async ({ id, body }: { id: string; body: CannedResponsePatch }) =>
      unwrap(
        await api.PATCH("/api/v1/workspaces/{workspace_id}/canned-responses/{canned_response_id}", {
          params: item(id),
          body,
        }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.DELETE("/api/v1/workspaces/{workspace_id}/canned-responses/{canned_response_id}", {
          params: item(id),
        }),
      ),
    onSettled: refresh,
  });
  return { create, update, remove };
}


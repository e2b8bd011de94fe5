import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";

export * from "./apiKeyForms";

const LIMIT = 200;
const key = (workspaceId: string) => ["workspaces", workspaceId, "api-keys"] as const;

export function useApiKeys(workspaceId: string) {
  return useQuery({
    queryKey: key(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/api-keys", {
          params: { path: { workspace_id: workspaceId }, query: { limit: LIMIT } },
        }),
      ).items,
    // A 403 (the role may not manage keys) will not change by asking again.
    retry: false,
  });
}

export function useApiKeyActions(workspaceId: string) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: key(workspaceId) });
  const create = useMutation({
    mutationFn: async (body: Schemas["ApiKeyCreateIn"]) =>
      unwrap(
        await api.POST("/api/v1/workspaces/{workspace_id}/api-keys", {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: async (keyId: string) =>
      unwrap(
        await api.DELETE("/api/v1/workspaces/{workspace_id}/api-keys/{key_id}", {
          params: { path: { workspace_id: workspaceId, key_id: keyId } },
        }),
      ),
    onSettled: refresh,
  });
  return { create, revoke };
}


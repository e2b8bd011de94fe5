import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";
import { batches, contactQuery, exportFilename, type ContactFilters } from "./filters";

// One query for the workspace's attribute definitions, shared with the inbox's contact pane.
export { useAttributeDefinitions } from "../inbox/contactPaneApi";

export type Contact = Schemas["ContactListItem"];
export type ContactDetail = Schemas["ContactDetailOut"];
export type AttributeDefinition = Schemas["AttributeDefinitionOut"];
export type BulkAction = Schemas["BulkAction"];

const PAGE = 50;

export const contactKeys = {
  all: (workspaceId: string) => ["workspaces", workspaceId, "contacts"] as const,
  list: (workspaceId: string, filters: ContactFilters) => [...contactKeys.all(workspaceId), "list", filters] as const,
  detail: (workspaceId: string, id: string) => [...contactKeys.all(workspaceId), "detail", id] as const,
};

/** The contacts matching the filters, newest first, a page at a time. */
export function useContacts(workspaceId: string, filters: ContactFilters) {
  return useInfiniteQuery({
    queryKey: contactKeys.list(workspaceId, filters),
    queryFn: async ({ pageParam }) =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/contacts", {
          params: { path: { workspace_id: workspaceId }, query: contactQuery(filters, pageParam, PAGE) },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    // Typing in the search box keeps the old rows on screen until the new ones arrive.
    placeholderData: keepPreviousData,
  });
}

export function useContact(workspaceId: string, contactId: string | null) {
  return useQuery({
    queryKey: contactKeys.detail(workspaceId, contactId ?? ""),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/contacts/{contact_id}", {
          params: { path: { workspace_id: workspaceId, contact_id: contactId ?? "" } },
        }),
      ),
    enabled: contactId !== null,
  });
}

/** Tags, untags or deletes the chosen contacts, 1000 per request; resolves to how many changed. */
export function useBulkAction(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ action, ids, tags }: { action: BulkAction; ids: string[]; tags?: string[] }) => {
      let affected = 0;
      for (const contactIds of batches(ids)) {
        const body = action === "delete" ? { action, contact_ids: contactIds } : { action, contact_ids: contactIds, tags };
        const result = unwrap(
          await api.POST("/api/v1/workspaces/{workspace_id}/contacts/bulk", {
            params: { path: { workspace_id: workspaceId } },
            body,
          }),
        );
        affected += result.affected;
      }
      return affected;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: contactKeys.all(workspaceId) }),
  });
}

/** Downloads the CSV of the filtered contacts through the signed-in client, as a file. */
export async function downloadExport(workspaceId: string, filters: ContactFilters): Promise<void> {
  const blob = unwrap(
    await api.GET("/api/v1/workspaces/{workspace_id}/contacts/export", {
      params: { path: { workspace_id: workspaceId }, query: contactQuery(filters) },
      parseAs: "blob",
    }),
  ) as Blob;
  saveBlob(blob, exportFilename());
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Some browsers read the URL after click() returns; it is freed once the download has surely begun.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

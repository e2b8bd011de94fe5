import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";
import { conversationsKey } from "./cache";
import type { Contact, ContactUpdate } from "./contactPaneModel";

/** The contact pane's queries and mutations; every key starts with the workspace. */

export const contactKeys = {
  contact: (workspaceId: string, contactId: string) => ["contact", workspaceId, contactId] as const,
  notes: (workspaceId: string, contactId: string) => ["contact", workspaceId, contactId, "notes"] as const,
  conversations: (workspaceId: string, contactId: string) => ["contact", workspaceId, contactId, "conversations"] as const,
  definitions: (workspaceId: string) => ["attribute-definitions", workspaceId] as const,
  channels: (workspaceId: string) => ["channels", workspaceId] as const,
};

const CONTACT = "/api/v1/workspaces/{workspace_id}/contacts/{contact_id}" as const;
const NOTES = `${CONTACT}/notes` as const;
const NOTE = `${NOTES}/{note_id}` as const;
const CONVERSATIONS = "/api/v1/workspaces/{workspace_id}/conversations" as const;
// One page of the largest size covers a workspace's channels in practice.
const CHANNEL_LIMIT = 200;
const CONVERSATION_LIMIT = 20;

export type Channel = Schemas["ChannelOut"];

export function useContact(workspaceId: string, contactId: string) {
  return useQuery({
    queryKey: contactKeys.contact(workspaceId, contactId),
    queryFn: async () =>
      unwrap(await api.GET(CONTACT, { params: { path: { workspace_id: workspaceId, contact_id: contactId } } })),
  });
}

export function useAttributeDefinitions(workspaceId: string) {
  return useQuery({
    queryKey: contactKeys.definitions(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/attribute-definitions", {
          params: { path: { workspace_id: workspaceId } },
        }),
      ),
    staleTime: 60_000,
  });
}

export function useWorkspaceChannels(workspaceId: string) {
  return useQuery({
    queryKey: contactKeys.channels(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/channels", {
          params: { path: { workspace_id: workspaceId }, query: { limit: CHANNEL_LIMIT } },
        }),
      ).items,
    staleTime: 60_000,
  });
}

/** PATCH, tags and consent; each stores the answer (when there is one) and refetches the contact. */
export function useContactActions(workspaceId: string, contactId: string) {
  const queryClient = useQueryClient();
  const key = contactKeys.contact(workspaceId, contactId);
  const path = { workspace_id: workspaceId, contact_id: contactId };
  const settle = () => queryClient.invalidateQueries({ queryKey: key, exact: true });
  const store = (contact: Contact) => queryClient.setQueryData(key, contact);

  const update = useMutation({
    mutationFn: async (body: ContactUpdate) => unwrap(await api.PATCH(CONTACT, { params: { path }, body })),
    onSuccess: store,
    // Conversations show the contact's name: refetch them too.
    onSettled: () =>
      Promise.all([
        settle(),
        queryClient.invalidateQueries({ queryKey: conversationsKey(workspaceId) }),
        queryClient.invalidateQueries({ queryKey: ["conversation", workspaceId] }),
      ]),
  });
  const addTags = useMutation({
    mutationFn: async (tags: string[]) => unwrap(await api.POST(`${CONTACT}/tags`, { params: { path }, body: { tags } })),
    onSuccess: store,
    onSettled: settle,
  });
  const removeTag = useMutation({
    mutationFn: async (tag: string) =>
      unwrap(await api.DELETE(`${CONTACT}/tags/{tag}`, { params: { path: { ...path, tag } } })),
    onSettled: settle,
  });
  const setConsent = useMutation({
    mutationFn: async ({ channelId, optedIn }: { channelId: string; optedIn: boolean }) =>
      unwrap(
        await api.PUT(`${CONTACT}/consents/{channel_id}`, {
          params: { path: { ...path, channel_id: channelId } },
          body: { status: optedIn ? "opted_in" : "opted_out", source: "inbox" },
        }),
      ),
    onSettled: settle,
  });
  return { update, addTags, removeTag, setConsent };
}

export function useContactNotes(workspaceId: string, contactId: string) {
  return useQuery({
    queryKey: contactKeys.notes(workspaceId, contactId),
    queryFn: async () =>
      unwrap(await api.GET(NOTES, { params: { path: { workspace_id: workspaceId, contact_id: contactId } } })),
  });
}

export function useNoteActions(workspaceId: string, contactId: string) {
  const queryClient = useQueryClient();
  const path = { workspace_id: workspaceId, contact_id: contactId };
  const settle = () => queryClient.invalidateQueries({ queryKey: contactKeys.notes(workspaceId, contactId) });
  const add = useMutation({
    mutationFn: async (body: string) => unwrap(await api.POST(NOTES, { params: { path }, body: { body } })),
    onSettled: settle,
  });
  const remove = useMutation({
    mutationFn: async (noteId: string) =>
      unwrap(await api.DELETE(NOTE, { params: { path: { ...path, note_id: noteId } } })),
    onSettled: settle,
  });
  return { add, remove };
}

/** The contact's conversations, newest activity first. */
export function useContactConversations(workspaceId: string, contactId: string) {
  return useQuery({
    queryKey: contactKeys.conversations(workspaceId, contactId),
    queryFn: async () => {
      const page = unwrap(
        await api.GET(CONVERSATIONS, {
          params: { path: { workspace_id: workspaceId }, query: { contact_id: contactId, limit: CONVERSATION_LIMIT } },
        }),
      );
      // The filter is the server's; this keeps the list right against one that ignores it.
      return page.items.filter((c) => c.contact_id === contactId);
    },
  });
}

import { useMutation, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";
import { conversationsKey, listWithConversation, type Conversation, type ConversationPage } from "./cache";

/** Changes to one conversation (status, assignee, snooze, priority, labels), written back into the list. */

export type ConversationPatch = Schemas["ConversationPatchIn"];

const PATH = "/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}" as const;

export type ConversationChange =
  | { kind: "patch"; body: ConversationPatch }
  | { kind: "addLabel"; label: string }
  | { kind: "removeLabel"; label: string };

export function useConversationUpdate(workspaceId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ conversationId, change }: { conversationId: string; change: ConversationChange }) => {
      const path = { workspace_id: workspaceId, conversation_id: conversationId };
      switch (change.kind) {
        case "patch":
          return unwrap(await api.PATCH(PATH, { params: { path }, body: change.body }));
        case "addLabel":
          return unwrap(await api.POST(`${PATH}/labels`, { params: { path }, body: { labels: [change.label] } }));
        case "removeLabel":
          return unwrap(await api.DELETE(`${PATH}/labels/{label}`, { params: { path: { ...path, label: change.label } } }));
      }
    },
    // The realtime event brings the same state; writing it now makes the change show at once.
    onSuccess: (updated) => {
      queryClient.setQueryData<ConversationPage>(conversationsKey(workspaceId), (page) => listWithConversation(page, updated));
      queryClient.setQueryData<Conversation>(["conversation", workspaceId, updated.id], (current) =>
        current && { ...updated, unread_count: current.unread_count },
      );
    },
  });
}

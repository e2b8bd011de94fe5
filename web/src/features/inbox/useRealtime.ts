import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useRef, useState } from "react";

import { api, tokens, unwrap } from "../../api/client";
import { useMe } from "../../session";
import { applyEvent, applyMessage, conversationsKey } from "./cache";
import { gatewayUrl, RealtimeClient, type ConnectionState } from "./realtime";

export interface InboxRealtime {
  client: RealtimeClient | null;
  state: ConnectionState;
}

export const RealtimeContext = createContext<InboxRealtime>({ client: null, state: "connecting" });

export function useInboxRealtime(): InboxRealtime {
  return useContext(RealtimeContext);
}

/** One gateway connection per open inbox, feeding the query cache. */
export function useRealtimeConnection(workspaceId: string, openConversationId: string | undefined): InboxRealtime {
  const queryClient = useQueryClient();
  const me = useMe();
  const [client, setClient] = useState<RealtimeClient | null>(null);
  const [state, setState] = useState<ConnectionState>("connecting");
  // Read by the handlers at delivery time, so the connection survives switching conversations.
  const context = useRef({ openConversationId, userId: me.data?.user.id });
  context.current = { openConversationId, userId: me.data?.user.id };

  useEffect(() => {
    const realtime = new RealtimeClient({
      url: gatewayUrl(),
      workspaceId,
      token: () => tokens.get()?.access_token ?? null,
      // Any authenticated request refreshes an expired access token (api/authFetch.ts).
      refreshToken: async () => (await api.GET("/api/v1/me")).response.ok,
      fetchMessagesAfter: async (conversationId, afterSeq) =>
        unwrap(
          await api.GET("/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}/messages", {
            params: { path: { workspace_id: workspaceId, conversation_id: conversationId }, query: { after_seq: afterSeq, limit: 1000 } },
          }),
        ).items,
      onMessage: (message) => applyMessage(queryClient, workspaceId, message, context.current.openConversationId),
      onEvent: (event) => applyEvent(queryClient, workspaceId, event, context.current.userId),
      onResyncRequired: () => void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[1] === workspaceId }),
      // Subscribing by seq alone replays no conversation changes made before the first subscribe.
      onCaughtUp: (resumed) => {
        if (!resumed) void queryClient.invalidateQueries({ queryKey: conversationsKey(workspaceId) });
      },
      onStateChange: setState,
    });
    const online = () => realtime.retryNow();
    window.addEventListener("online", online);
    setClient(realtime);
    realtime.start();
    return () => {
      window.removeEventListener("online", online);
      realtime.stop();
    };
  }, [workspaceId, queryClient]);

  return { client, state };
}

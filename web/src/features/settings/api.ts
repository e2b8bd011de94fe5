import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";

// One page of the largest size covers a workspace's channels and team in practice.
const LIMIT = 200;

export type Member = Schemas["relaydesk__domains__workspaces__schemas__MemberOut"];
export type Invitation = Schemas["InvitationOut"];
export type Role = Schemas["Role"];
export const ROLES: readonly Role[] = ["owner", "admin", "agent", "viewer"];

export type ChannelCreate = Schemas["TelegramChannelCreateIn"] | Schemas["WhatsAppChannelCreateIn"];

const keys = {
  channels: (workspaceId: string) => ["workspaces", workspaceId, "channels"] as const,
  members: (workspaceId: string) => ["workspaces", workspaceId, "members"] as const,
  invitations: (workspaceId: string) => ["workspaces", workspaceId, "invitations"] as const,
};

export function useChannels(workspaceId: string) {
  return useQuery({
    queryKey: keys.channels(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/channels", {
          params: { path: { workspace_id: workspaceId }, query: { limit: LIMIT } },
        }),
      ).items,
    // Health changes on the server (webhooks, sends); a slow poll keeps the badges honest.
    refetchInterval: 30_000,
  });
}

/** Create, test, enable/disable and delete; each refreshes the list when done. */
export function useChannelActions(workspaceId: string) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.channels(workspaceId) });
  const path = (channelId: string) => ({ path: { workspace_id: workspaceId, channel_id: channelId } });

  const create = useMutation({
    mutationFn: async (body: ChannelCreate) =>
      unwrap(
        await api.POST("/api/v1/workspaces/{workspace_id}/channels", {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSettled: refresh,
  });
  const test = useMutation({
    mutationFn: async (channelId: string) =>
      unwrap(await api.POST("/api/v1/workspaces/{workspace_id}/channels/{channel_id}/test", { params: path(channelId) })),
    onSettled: refresh,
  });
  const setEnabled = useMutation({
    mutationFn: async ({ channelId, enabled }: { channelId: string; enabled: boolean }) =>
      unwrap(
        await api.PATCH("/api/v1/workspaces/{workspace_id}/channels/{channel_id}", {
          params: path(channelId),
          body: { enabled },
        }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async (channelId: string) =>
      unwrap(await api.DELETE("/api/v1/workspaces/{workspace_id}/channels/{channel_id}", { params: path(channelId) })),
    onSettled: refresh,
  });
  return { create, test, setEnabled, remove };
}

export function useMembers(workspaceId: string) {
  return useQuery({
    queryKey: keys.members(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/members", {
          params: { path: { workspace_id: workspaceId }, query: { limit: LIMIT } },
        }),
      ).items,
  });
}

export function useInvitations(workspaceId: string) {
  return useQuery({
    queryKey: keys.invitations(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/invitations", {
          params: { path: { workspace_id: workspaceId }, query: { limit: LIMIT } },
        }),
      ).items,
  });
}

export function useMemberActions(workspaceId: string) {
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: keys.members(workspaceId) }),
      queryClient.invalidateQueries({ queryKey: keys.invitations(workspaceId) }),
    ]);
  const member = (userId: string) => ({ path: { workspace_id: workspaceId, user_id: userId } });

  const changeRole = useMutation({
    mutationFn: async ({ userId, role }: { userId: string; role: Role }) =>
      unwrap(
        await api.PATCH("/api/v1/workspaces/{workspace_id}/members/{user_id}", { params: member(userId), body: { role } }),
      ),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: async (userId: string) =>
      unwrap(await api.DELETE("/api/v1/workspaces/{workspace_id}/members/{user_id}", { params: member(userId) })),
    onSettled: refresh,
  });
  const invite = useMutation({
    mutationFn: async (body: { email: string; role: Role }) =>
      unwrap(
        await api.POST("/api/v1/workspaces/{workspace_id}/invitations", {
          params: { path: { workspace_id: workspaceId } },
          body,
        }),
      ),
    onSettled: refresh,
  });
  const revoke = useMutation({
    mutationFn: async (invitationId: string) =>
      unwrap(
        await api.DELETE("/api/v1/workspaces/{workspace_id}/invitations/{invitation_id}", {
          params: { path: { workspace_id: workspaceId, invitation_id: invitationId } },
        }),
      ),
    onSettled: refresh,
  });
  return { changeRole, remove, invite, revoke };
}

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useSyncExternalStore } from "react";

import { api, tokens, unwrap, type Schemas } from "./api/client";
import type { TokenPair } from "./api/tokens";

const LAST_WORKSPACE = "relaydesk.workspace";

export function useSignedIn(): boolean {
  return useSyncExternalStore(tokens.subscribe, tokens.get) !== null;
}

export function signIn(pair: TokenPair): void {
  tokens.set({ access_token: pair.access_token, refresh_token: pair.refresh_token });
}

/** The signed-in user and their workspaces (GET /api/v1/me). */
export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: async (): Promise<Schemas["MeOut"]> => unwrap(await api.GET("/api/v1/me")),
    staleTime: 60_000,
  });
}

export function rememberWorkspace(id: string): void {
  localStorage.setItem(LAST_WORKSPACE, id);
}

/** The workspace to open after sign-in: the last one used, if still a member, else the first. */
export function pickWorkspace(workspaces: Schemas["MyWorkspaceOut"][]): string | undefined {
  const last = localStorage.getItem(LAST_WORKSPACE);
  return (workspaces.find((w) => w.id === last) ?? workspaces[0])?.id;
}

export function useLogout(): () => Promise<void> {
  const queryClient = useQueryClient();
  return useCallback(async () => {
    const current = tokens.get();
    try {
      if (current) await api.POST("/api/v1/auth/logout", { body: { refresh_token: current.refresh_token } });
    } finally {
      // Signed out locally even when the server cannot be reached.
      tokens.set(null);
      queryClient.clear();
    }
  }, [queryClient]);
}

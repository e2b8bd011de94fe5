import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";

import { api, unwrap, type Schemas } from "../../api/client";
import type { Graph, Validation, Workflow, WorkflowRunDetail, WorkflowTemplate } from "./types";

const LIMIT = 200;

// The API passes graphs as free-form JSON; the builder's Graph is graph JSON v1 (an edge's
// handle may be left out and means "next").
const asShape = (graph: Graph) => graph as unknown as Schemas["GraphShape"];
const asWorkflow = (out: Schemas["WorkflowOut"]) => out as unknown as Workflow;

export const automationKeys = {
  all: (ws: string) => ["workspaces", ws, "automation"] as const,
  workflows: (ws: string) => [...automationKeys.all(ws), "workflows"] as const,
  workflow: (ws: string, id: string) => [...automationKeys.all(ws), "workflow", id] as const,
  runs: (ws: string, id: string, status: string) => [...automationKeys.all(ws), "runs", id, status] as const,
  run: (ws: string, id: string) => [...automationKeys.all(ws), "run", id] as const,
  templates: (ws: string) => [...automationKeys.all(ws), "templates"] as const,
};

const wf = (ws: string, workflowId: string) => ({ path: { workspace_id: ws, workflow_id: workflowId } });

export function useWorkflows(ws: string) {
  return useQuery({
    queryKey: automationKeys.workflows(ws),
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/workflows", { params: { path: { workspace_id: ws }, query: { limit: LIMIT } } })).items.map(
        asWorkflow,
      ),
  });
}

export function useWorkflow(ws: string, id: string) {
  return useQuery({
    queryKey: automationKeys.workflow(ws, id),
    queryFn: async () => asWorkflow(unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}", { params: wf(ws, id) }))),
    // The builder holds its own draft; refetching underneath it would only confuse.
    refetchOnWindowFocus: false,
  });
}

export function useTemplates(ws: string, enabled: boolean) {
  return useQuery({
    queryKey: automationKeys.templates(ws),
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/workflow-templates", { params: { path: { workspace_id: ws } } })) as WorkflowTemplate[],
    enabled,
    staleTime: 5 * 60_000,
  });
}

/** Every change to workflows refreshes the list and the one changed. */
export function useWorkflowActions(ws: string) {
  const queryClient = useQueryClient();
  const refresh = () => queryClient.invalidateQueries({ queryKey: automationKeys.all(ws) });

  const create = useMutation({
    mutationFn: async (body: { name: string; graph: Graph }) =>
      asWorkflow(
        unwrap(
          await api.POST("/api/v1/workspaces/{workspace_id}/workflows", {
            params: { path: { workspace_id: ws } },
            body: { name: body.name, graph: asShape(body.graph) },
          }),
        ),
      ),
    onSettled: refresh,
  });
  const save = useMutation({
    mutationFn: async ({ workflowId, name, graph }: { workflowId: string; name?: string; graph?: Graph }) =>
      asWorkflow(
        unwrap(
          await api.PATCH("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}", {
            params: wf(ws, workflowId),
            body: { name, graph: graph && asShape(graph) },
          }),
        ),
      ),
    onSuccess: (workflow) => queryClient.setQueryData(automationKeys.workflow(ws, workflow.id), workflow),
    onSettled: () => queryClient.invalidateQueries({ queryKey: automationKeys.workflows(ws) }),
  });
  const remove = useMutation({
    mutationFn: async (workflowId: string) =>
      unwrap(await api.DELETE("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}", { params: wf(ws, workflowId) })),
    onSettled: refresh,
  });
  const validate = useMutation({
    mutationFn: async (workflowId: string): Promise<Validation> =>
      unwrap(await api.POST("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/validate", { params: wf(ws, workflowId) })),
  });
  const publish = useMutation({
    mutationFn: async (workflowId: string) =>
      asWorkflow(unwrap(await api.POST("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/publish", { params: wf(ws, workflowId) }))),
    onSuccess: (workflow) => queryClient.setQueryData(automationKeys.workflow(ws, workflow.id), workflow),
    onSettled: () => queryClient.invalidateQueries({ queryKey: automationKeys.workflows(ws) }),
  });
  const unpublish = useMutation({
    mutationFn: async (workflowId: string) =>
      asWorkflow(unwrap(await api.POST("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/unpublish", { params: wf(ws, workflowId) }))),
    onSuccess: (workflow) => queryClient.setQueryData(automationKeys.workflow(ws, workflow.id), workflow),
    onSettled: () => queryClient.invalidateQueries({ queryKey: automationKeys.workflows(ws) }),
  });
  // A copy is an export imported again under a new name, so it carries exactly what export does.
  const duplicate = useMutation({
    mutationFn: async ({ workflowId, name }: { workflowId: string; name: string }) => {
      const exported = unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/export", { params: wf(ws, workflowId) }));
      return asWorkflow(
        unwrap(await api.POST("/api/v1/workspaces/{workspace_id}/workflows/import", { params: { path: { workspace_id: ws } }, body: { ...exported, name } })),
      );
    },
    onSettled: refresh,
  });
  const install = useMutation({
    mutationFn: async ({ key, params }: { key: string; params: Record<string, unknown> }) =>
      asWorkflow(
        unwrap(
          await api.POST("/api/v1/workspaces/{workspace_id}/workflow-templates/{key}/install", {
            params: { path: { workspace_id: ws, key } },
            body: { params },
          }),
        ),
      ),
    onSettled: refresh,
  });
  return { create, save, remove, validate, publish, unpublish, duplicate, install };
}

type RunState = Schemas["RunOut"]["state"];

export function useRuns(ws: string, workflowId: string, status: string) {
  return useQuery({
    queryKey: automationKeys.runs(ws, workflowId, status),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/runs", {
          params: { ...wf(ws, workflowId), query: { status: (status || null) as RunState | null, limit: 100 } },
        }),
      ),
    refetchInterval: 10_000,
  });
}

export function fetchRun(ws: string, runId: string): Promise<WorkflowRunDetail> {
  return api
    .GET("/api/v1/workspaces/{workspace_id}/workflow-runs/{run_id}", { params: { path: { workspace_id: ws, run_id: runId } } })
    .then(unwrap);
}

export function useRun(ws: string, runId: string | null) {
  return useQuery({
    queryKey: automationKeys.run(ws, runId ?? ""),
    queryFn: () => fetchRun(ws, runId ?? ""),
    enabled: runId !== null,
  });
}

/** A dry run of the published version for one contact; resolves to the started run's id. */
export function useTestRun(ws: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ workflowId, contactId }: { workflowId: string; contactId: string }) => {
      const started = unwrap(
        await api.POST("/api/v1/workspaces/{workspace_id}/workflows/{workflow_id}/runs", {
          params: wf(ws, workflowId),
          body: { contact_id: contactId, dry_run: true },
        }),
      );
      return started.run_ids[0] ?? null;
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...automationKeys.all(ws), "runs"] }),
  });
}

const FINISHED = new Set(["completed", "failed", "stopped", "skipped"]);

/** One run with its steps, read again every second until it has finished (or waits). */
export function useRunUntilDone(ws: string, runId: string | null) {
  return useQuery({
    queryKey: [...automationKeys.run(ws, runId ?? ""), "live"],
    queryFn: () => fetchRun(ws, runId ?? ""),
    enabled: runId !== null,
    refetchInterval: (query) => {
      const state = query.state.data?.state;
      return state && (FINISHED.has(state) || state === "waiting") ? false : 1000;
    },
  });
}

// Pickers' data.
export function useChannels(ws: string) {
  return useQuery({
    queryKey: ["workspaces", ws, "channels"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/channels", { params: { path: { workspace_id: ws }, query: { limit: LIMIT } } })).items,
    staleTime: 60_000,
  });
}

export function useTeams(ws: string) {
  return useQuery({
    queryKey: ["workspaces", ws, "teams"],
    queryFn: async () => unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/teams", { params: { path: { workspace_id: ws } } })),
    staleTime: 60_000,
  });
}

export function useMembers(ws: string) {
  return useQuery({
    queryKey: ["workspaces", ws, "members"],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/members", { params: { path: { workspace_id: ws }, query: { limit: LIMIT } } })).items,
    staleTime: 60_000,
  });
}

export function useChannelTemplates(ws: string, channelId: string | undefined) {
  return useQuery({
    queryKey: ["workspaces", ws, "channels", channelId, "templates"],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/channels/{channel_id}/templates", {
          params: { path: { workspace_id: ws, channel_id: channelId ?? "" }, query: { limit: LIMIT } },
        }),
      ).items,
    enabled: Boolean(channelId),
    staleTime: 60_000,
  });
}

export function useContactSearch(ws: string, q: string) {
  return useQuery({
    queryKey: ["workspaces", ws, "contacts", "search", q],
    queryFn: async () =>
      unwrap(await api.GET("/api/v1/workspaces/{workspace_id}/contacts", { params: { path: { workspace_id: ws }, query: { q: q || null, limit: 20 } } })).items,
  });
}

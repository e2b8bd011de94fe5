import type { Schemas } from "../../api/client";

// Graph JSON v1 (docs/automation.md), which the API passes as free-form JSON, and the API's
// automation types as this feature reads them; everything else here imports from this file.

export type Params = Record<string, unknown>;

export interface Retry {
  max_attempts: number;
  backoff_seconds: number;
}

export interface GraphNode {
  id: string;
  type: NodeType;
  params: Params;
  retry?: Retry;
}

export interface GraphEdge {
  from: string;
  to: string;
  handle?: string;
}

export interface Trigger {
  type: TriggerType;
  params: Params;
}

export interface Graph {
  version: 1;
  trigger: Trigger;
  nodes: GraphNode[];
  edges: GraphEdge[];
  settings?: { rate_limit_per_minute?: number | null };
}

export const TRIGGER_TYPES = [
  "message_received",
  "conversation_created",
  "conversation_status_changed",
  "conversation_assigned",
  "contact_created",
  "contact_updated",
  "tag_added",
  "tag_removed",
  "attribute_changed",
  "schedule",
  "webhook",
  "manual",
  "customer_waiting",
  "agent_waiting",
] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

export const NODE_TYPES = [
  "send_message",
  "ask_question",
  "condition",
  "ab_split",
  "wait",
  "add_tag",
  "remove_tag",
  "set_attribute",
  "assign",
  "set_status",
  "set_priority",
  "add_note",
  "http_request",
  "start_workflow",
  "stop",
] as const;
export type NodeType = (typeof NODE_TYPES)[number];

/** One finding of validation; without node_id it is about the trigger or the whole graph. */
export interface GraphProblem {
  node_id?: string | null;
  code: string;
  message: string;
  /** Local checks only: the field or variable the problem is about, for the translated text. */
  field?: string;
}

export type Validation = Schemas["ValidationOut"];

/** A workflow as the API gives it, its graph read as graph JSON v1. */
export type Workflow = Omit<Schemas["WorkflowOut"], "graph"> & { graph: Graph };

export type WorkflowTemplate = Omit<Schemas["WorkflowTemplateOut"], "params_schema"> & { params_schema: JsonSchema };

/** The part of JSON Schema a template's params form understands. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  format?: string;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
}

export type WorkflowRun = Schemas["RunOut"];
export type WorkflowStep = Schemas["StepOut"];
export type WorkflowRunDetail = Schemas["RunDetailOut"];

import type { Graph, NodeType, Params, TriggerType } from "./types";

export const TRIGGER_ID = "trigger";

/** Steps with a side effect: each may also have a `failure` path, taken after its retries fail. */
export const ACTION_TYPES: ReadonlySet<NodeType> = new Set<NodeType>([
  "send_message",
  "ask_question",
  "add_tag",
  "remove_tag",
  "set_attribute",
  "assign",
  "set_status",
  "set_priority",
  "add_note",
  "http_request",
  "start_workflow",
]);

const BRANCHES: Partial<Record<NodeType, string[]>> = {
  condition: ["true", "false"],
  ask_question: ["answered", "timeout"],
  ab_split: ["a", "b"],
  stop: [],
};

/** The outgoing handles of a node type, in display order (the trigger's is `next`). */
export function handlesOf(type: NodeType | "trigger"): string[] {
  if (type === "trigger") return ["next"];
  const main = BRANCHES[type] ?? ["next"];
  return ACTION_TYPES.has(type) ? [...main, "failure"] : main;
}

/** Groups of the "add a step" menu, in the order people look for them. */
export const NODE_GROUPS: { key: string; types: NodeType[] }[] = [
  { key: "messages", types: ["send_message", "ask_question", "add_note"] },
  { key: "logic", types: ["condition", "ab_split", "wait", "stop"] },
  { key: "contact", types: ["add_tag", "remove_tag", "set_attribute"] },
  { key: "conversation", types: ["assign", "set_status", "set_priority"] },
  { key: "advanced", types: ["http_request", "start_workflow"] },
];

/** Parameters a newly added step starts with: the shape its form edits. */
export function defaultParams(type: NodeType): Params {
  switch (type) {
    case "send_message":
      return { text: "" };
    case "ask_question":
      return { text: "", save_to_attribute: "", timeout_minutes: 60 };
    case "condition":
      return { match: "all", rules: [{ field: "contact.tags", op: "contains", value: "" }] };
    case "ab_split":
      return { percent_a: 50 };
    case "wait":
      return { mode: "duration", seconds: 3600 };
    case "add_tag":
    case "remove_tag":
      return { tags: [] };
    case "set_attribute":
      return { key: "", value: "" };
    case "assign":
      return { mode: "team_round_robin" };
    case "set_status":
      return { status: "resolved" };
    case "set_priority":
      return { priority: "high" };
    case "add_note":
      return { text: "" };
    case "http_request":
      return { method: "POST", url: "", timeout_seconds: 10 };
    case "start_workflow":
      return { workflow_id: "" };
    case "stop":
      return {};
  }
}

export function defaultTriggerParams(type: TriggerType): Params {
  switch (type) {
    case "schedule":
      return { cron: "0 9 * * 1-5", timezone: browserTimezone(), backfill: "skip" };
    case "attribute_changed":
      return { key: "" };
    case "customer_waiting":
    case "agent_waiting":
      return { minutes: 15, business_hours: false };
    default:
      return {};
  }
}

export function browserTimezone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** A new workflow's graph: a manual trigger and nothing after it. */
export function blankGraph(): Graph {
  return { version: 1, trigger: { type: "manual", params: {} }, nodes: [], edges: [], settings: { rate_limit_per_minute: null } };
}

/** Fixed variables; `contact.attributes.<key>`, `trigger.body.<path>` and `vars.<name>` are open-ended. */
export const VARIABLES = [
  "contact.name",
  "contact.email",
  "contact.phone",
  "contact.language",
  "conversation.id",
  "message.text",
  "workspace.name",
] as const;
export const VARIABLE_PREFIXES = ["contact.attributes.", "trigger.body.", "vars."] as const;

export const CONDITION_FIELDS = [
  "contact.name",
  "contact.email",
  "contact.phone",
  "contact.language",
  "contact.tags",
  "contact.blocked",
  "conversation.status",
  "conversation.priority",
  "conversation.labels",
  "conversation.assignee_user_id",
  "conversation.channel_type",
  "conversation.channel_id",
  "message.text",
  "business_hours",
  "minutes_since_last_message",
  "minutes_since_last_inbound",
] as const;
/** Fields given with a name after the prefix. */
export const CONDITION_FIELD_PREFIXES = ["contact.attributes.", "vars."] as const;

export const CONDITION_OPS = [
  "eq",
  "neq",
  "contains",
  "not_contains",
  "starts_with",
  "in",
  "not_in",
  "gt",
  "gte",
  "lt",
  "lte",
  "exists",
  "not_exists",
  "is_true",
  "is_false",
  "matches",
] as const;
/** Operators that compare with nothing. */
export const UNARY_OPS: ReadonlySet<string> = new Set(["exists", "not_exists", "is_true", "is_false"]);

export const CONVERSATION_STATUSES = ["open", "pending", "resolved", "snoozed"] as const;
export const PRIORITIES = ["low", "normal", "high", "urgent"] as const;
export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

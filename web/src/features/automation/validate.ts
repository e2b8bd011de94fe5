// The builder's own checks, the same ones the server makes at validate and publish, so people
// see what to fix before asking: shape, unreachable steps, missing fields, unknown variables, cycles.
import {
  CONDITION_FIELDS,
  CONDITION_FIELD_PREFIXES,
  TRIGGER_ID,
  UNARY_OPS,
  VARIABLES,
  handlesOf,
} from "./catalog";
import { handleOf, reachable } from "./graph";
import type { Graph, GraphNode, GraphProblem, Params } from "./types";

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const VARIABLE = /\{\{\s*([^{}]*?)\s*\}\}/g;
const CRON_FIELD = /^(\*|\d+(-\d+)?)(\/\d+)?(,(\*|\d+(-\d+)?)(\/\d+)?)*$|^[A-Za-z]{3}(-[A-Za-z]{3})?$/;

function blank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** The variables named in a text: `Hi {{ contact.name }}` → ["contact.name"]. */
export function variablesIn(text: string): string[] {
  return [...text.matchAll(VARIABLE)].map((match) => match[1]);
}

function savedVars(graph: Graph): Set<string> {
  const names = new Set<string>();
  for (const node of graph.nodes) {
    const save = node.params.save;
    if (node.type === "http_request" && save && typeof save === "object") for (const name of Object.keys(save)) names.add(name);
  }
  return names;
}

export function knownVariable(name: string, graph: Graph): boolean {
  if ((VARIABLES as readonly string[]).includes(name)) return true;
  const rest = (prefix: string) => (name.startsWith(prefix) ? name.slice(prefix.length) : "");
  if (rest("contact.attributes.")) return ATTRIBUTE_KEY.test(rest("contact.attributes."));
  if (rest("trigger.body.")) return graph.trigger.type === "webhook";
  if (rest("vars.")) return savedVars(graph).has(rest("vars."));
  return false;
}

/** Every string inside params, for the variable check. */
function texts(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(texts);
  if (value && typeof value === "object") return Object.values(value).flatMap(texts);
  return [];
}

function missing(node: GraphNode | null, field: string): GraphProblem {
  return { node_id: node?.id ?? TRIGGER_ID, code: "automation.missing_field", message: `${field} is required`, field };
}

function range(value: unknown, low: number, high: number): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= low && value <= high;
}

function ruleProblems(node: GraphNode, group: Params, depth: number): GraphProblem[] {
  const rules = group.rules;
  if (!Array.isArray(rules) || rules.length === 0) return [missing(node, "rules")];
  const out: GraphProblem[] = [];
  for (const rule of rules as Params[]) {
    if (Array.isArray(rule.rules)) {
      out.push(...(depth < 5 ? ruleProblems(node, rule, depth + 1) : [missing(node, "rules")]));
      continue;
    }
    const field = String(rule.field ?? "");
    const knownField =
      (CONDITION_FIELDS as readonly string[]).includes(field) ||
      CONDITION_FIELD_PREFIXES.some((prefix) => field.startsWith(prefix) && field.length > prefix.length);
    if (!knownField) out.push({ node_id: node.id, code: "automation.invalid_params", message: `unknown field ${field}`, field });
    if (blank(rule.op)) out.push(missing(node, "op"));
    else if (!UNARY_OPS.has(String(rule.op)) && (blank(rule.value) || (Array.isArray(rule.value) && !rule.value.length)))
      out.push(missing(node, "value"));
  }
  return out;
}

const ATTRIBUTE_KEY = /^[a-z][a-z0-9_]{0,63}$/;

function attributeKey(node: GraphNode, field: string): GraphProblem[] {
  const value = node.params[field];
  if (blank(value)) return [missing(node, field)];
  return ATTRIBUTE_KEY.test(String(value)) ? [] : [{ node_id: node.id, code: "automation.invalid_params", message: `${field}: lowercase letters, digits and _`, field }];
}

/** Missing or out-of-range parameters of one step. */
export function nodeProblems(node: GraphNode): GraphProblem[] {
  const p = node.params;
  const need = (...fields: string[]) => fields.filter((f) => blank(p[f])).map((f) => missing(node, f));
  switch (node.type) {
    case "send_message": {
      const template = p.template as Params | undefined;
      if (template) {
        if (!blank(p.text)) return [{ node_id: node.id, code: "automation.invalid_params", message: "text or template, not both", field: "text" }];
        return [...(blank(template.name) ? [missing(node, "template.name")] : []), ...(blank(template.language) ? [missing(node, "template.language")] : [])];
      }
      return need("text");
    }
    case "ask_question":
      return [...need("text"), ...attributeKey(node, "save_to_attribute"), ...(range(p.timeout_minutes, 1, 525_600) ? [] : [missing(node, "timeout_minutes")])];
    case "condition":
      return ruleProblems(node, p, 0);
    case "ab_split":
      return range(p.percent_a, 1, 99) ? [] : [missing(node, "percent_a")];
    case "wait":
      if (p.mode === "until_time") return [...(/^([01]\d|2[0-3]):[0-5]\d$/.test(String(p.time ?? "")) ? [] : [missing(node, "time")]), ...need("timezone")];
      if (p.mode === "until_attribute") return attributeKey(node, "key");
      return range(p.seconds, 1, 31_536_000) ? [] : [missing(node, "seconds")];
    case "add_tag":
    case "remove_tag":
      return Array.isArray(p.tags) && p.tags.length && p.tags.every((tag) => !blank(tag)) ? [] : [missing(node, "tags")];
    case "set_attribute":
      return attributeKey(node, "key");
    case "assign":
      if (p.mode === "user") return need("user_id");
      return blank(p.mode) ? need("mode") : need("team_id");
    case "set_status":
      return [...need("status"), ...(p.status === "snoozed" && !range(p.snooze_minutes, 1, 525_600) ? [missing(node, "snooze_minutes")] : [])];
    case "set_priority":
      return need("priority");
    case "add_note":
      return need("text");
    case "http_request":
      return [
        ...need("method"),
        ...(/^https?:\/\/\S+$/.test(String(p.url ?? "")) ? [] : [missing(node, "url")]),
        ...(p.timeout_seconds === undefined || range(p.timeout_seconds, 1, 30) ? [] : [missing(node, "timeout_seconds")]),
      ];
    case "start_workflow":
      return need("workflow_id");
    case "stop":
      return [];
  }
}

/** Whether a cron expression has five plausible fields (the server parses it properly). */
export function cronLooksValid(cron: string): boolean {
  const fields = cron.trim().split(/\s+/);
  return fields.length === 5 && fields.every((field) => CRON_FIELD.test(field));
}

export function triggerProblems(graph: Graph): GraphProblem[] {
  const { type, params: p } = graph.trigger;
  const out: GraphProblem[] = [];
  if (type === "message_received" && p.keywords) {
    const values = (p.keywords as Params).values;
    if (!Array.isArray(values) || values.length < 1 || values.length > 50) out.push(missing(null, "keywords"));
  }
  if (type === "schedule") {
    if (!cronLooksValid(String(p.cron ?? ""))) out.push({ node_id: TRIGGER_ID, code: "automation.invalid_cron", message: "not a cron expression", field: "cron" });
    if (blank(p.timezone)) out.push(missing(null, "timezone"));
  }
  if (type === "attribute_changed" && blank(p.key)) out.push(missing(null, "key"));
  if ((type === "customer_waiting" || type === "agent_waiting") && !range(p.minutes, 1, 525_600)) out.push(missing(null, "minutes"));
  return out;
}

/** The ids on a cycle, if the graph has one. */
export function cycleNodes(graph: Graph): string[] {
  const state = new Map<string, 1 | 2>(); // 1 on the current path, 2 done
  const onCycle = new Set<string>();
  const next = (id: string) => graph.edges.filter((e) => e.from === id).map((e) => e.to);
  const visit = (id: string, path: string[]) => {
    state.set(id, 1);
    for (const to of next(id)) {
      if (state.get(to) === 1) path.slice(path.indexOf(to)).concat(id).forEach((n) => onCycle.add(n));
      else if (!state.has(to)) visit(to, [...path, id]);
    }
    state.set(id, 2);
  };
  for (const id of [TRIGGER_ID, ...graph.nodes.map((n) => n.id)]) if (!state.has(id)) visit(id, []);
  return [...onCycle];
}

/** All problems of a graph; an empty list means it may be published. */
export function validateGraph(graph: Graph): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const ids = new Set<string>();
  for (const node of graph.nodes) {
    if (!ID.test(node.id) || node.id === TRIGGER_ID)
      problems.push({ node_id: node.id, code: "automation.invalid_node_id", message: `invalid node id ${node.id}` });
    if (ids.has(node.id)) problems.push({ node_id: node.id, code: "automation.duplicate_node", message: "node id used twice" });
    ids.add(node.id);
  }
  const types = new Map(graph.nodes.map((n) => [n.id, n.type] as const));
  const seen = new Set<string>();
  for (const e of graph.edges) {
    const fromType = e.from === TRIGGER_ID ? "trigger" : types.get(e.from);
    if (!fromType || !types.has(e.to)) {
      problems.push({ node_id: fromType ? e.from : null, code: "automation.unknown_node", message: `edge ${e.from} → ${e.to} names a missing step` });
      continue;
    }
    const handle = handleOf(e);
    if (!handlesOf(fromType).includes(handle))
      problems.push({ node_id: e.from, code: "automation.bad_handle", message: `no handle ${handle}`, field: handle });
    const key = `${e.from}:${handle}`;
    if (seen.has(key)) problems.push({ node_id: e.from, code: "automation.duplicate_edge", message: `two edges on ${handle}`, field: handle });
    seen.add(key);
  }
  if (!graph.edges.some((e) => e.from === TRIGGER_ID))
    problems.push({ node_id: TRIGGER_ID, code: "automation.no_start", message: "connect the trigger to a first node" });
  for (const id of cycleNodes(graph)) problems.push({ node_id: id, code: "automation.cycle", message: "part of a cycle" });
  const live = reachable(graph);
  for (const node of graph.nodes)
    if (!live.has(node.id)) problems.push({ node_id: node.id, code: "automation.unreachable", message: "nothing leads to this step" });
  problems.push(...triggerProblems(graph));
  for (const node of graph.nodes) {
    problems.push(...nodeProblems(node));
    for (const name of texts(node.params).flatMap(variablesIn))
      if (!knownVariable(name, graph))
        problems.push({ node_id: node.id, code: "automation.unknown_variable", message: `unknown variable {{${name}}}`, field: name });
    if (node.retry && !(range(node.retry.max_attempts, 1, 10) && range(node.retry.backoff_seconds, 0, 3600)))
      problems.push(missing(node, "retry"));
  }
  return problems;
}

/** Problems grouped by the step they are about (`trigger` for the trigger and the graph). */
export function problemsByNode(problems: GraphProblem[]): Map<string, GraphProblem[]> {
  const map = new Map<string, GraphProblem[]>();
  for (const problem of problems) {
    const id = problem.node_id ?? TRIGGER_ID;
    map.set(id, [...(map.get(id) ?? []), problem]);
  }
  return map;
}

import { describe, expect, it } from "vitest";

import { blankGraph } from "./catalog";
import { readCron } from "./cron";
import { insertAfter, updateParams } from "./graph";
import type { Graph } from "./types";
import { cycleNodes, validateGraph, variablesIn } from "./validate";

function codes(graph: Graph) {
  return validateGraph(graph).map((p) => `${p.node_id ?? ""}:${p.code}${p.field ? `:${p.field}` : ""}`);
}

function valid(): Graph {
  let graph: Graph = { ...blankGraph(), trigger: { type: "message_received", params: { keywords: { mode: "contains", values: ["price"] } } } };
  graph = insertAfter(graph, "trigger", "next", "condition").graph;
  graph = updateParams(graph, "condition_1", { match: "all", rules: [{ field: "contact.tags", op: "contains", value: "vip" }] });
  graph = insertAfter(graph, "condition_1", "true", "send_message").graph;
  graph = updateParams(graph, "send_message_1", { text: "Hi {{contact.name}}, our prices: ..." });
  graph = insertAfter(graph, "condition_1", "false", "add_tag").graph;
  return updateParams(graph, "add_tag_1", { tags: ["lead"] });
}

describe("validateGraph", () => {
  it("accepts the contract's example shape", () => {
    expect(validateGraph(valid())).toEqual([]);
  });

  it("reports missing fields on the step", () => {
    const graph = updateParams(valid(), "send_message_1", { text: "  " });
    expect(codes(graph)).toEqual(["send_message_1:automation.missing_field:text"]);
  });

  it("reports unknown variables, and knows saved vars and webhook bodies", () => {
    let graph = updateParams(valid(), "send_message_1", { text: "Hi {{contact.nickname}} {{vars.order}} {{trigger.body.x}}" });
    expect(codes(graph)).toEqual([
      "send_message_1:automation.unknown_variable:contact.nickname",
      "send_message_1:automation.unknown_variable:vars.order",
      "send_message_1:automation.unknown_variable:trigger.body.x",
    ]);
    graph = { ...graph, trigger: { type: "webhook", params: {} } };
    graph = insertAfter(graph, "add_tag_1", "next", "http_request").graph;
    graph = updateParams(graph, "http_request_1", { method: "GET", url: "https://example.com", save: { order: "id" } });
    expect(codes(graph)).toEqual(["send_message_1:automation.unknown_variable:contact.nickname"]);
  });

  it("reports unreachable steps and cycles", () => {
    const graph = valid();
    const orphan: Graph = { ...graph, edges: graph.edges.filter((e) => e.to !== "add_tag_1") };
    expect(codes(orphan)).toEqual(["add_tag_1:automation.unreachable"]);
    const loop: Graph = { ...graph, edges: [...graph.edges, { from: "add_tag_1", to: "condition_1" }] };
    expect(cycleNodes(loop).sort()).toEqual(["add_tag_1", "condition_1"]);
    expect(codes(loop)).toContain("condition_1:automation.cycle");
  });

  it("reports bad handles, duplicates and ids", () => {
    const graph = valid();
    const bad: Graph = {
      ...graph,
      nodes: [...graph.nodes, { id: "trigger", type: "stop", params: {} }],
      edges: [...graph.edges, { from: "condition_1", to: "add_tag_1", handle: "next" }, { from: "condition_1", to: "add_tag_1", handle: "false" }],
    };
    expect(codes(bad)).toEqual(
      expect.arrayContaining([
        "trigger:automation.invalid_node_id",
        "condition_1:automation.bad_handle:next",
        "condition_1:automation.duplicate_edge:false",
      ]),
    );
  });

  it("checks trigger params and condition rules", () => {
    let graph: Graph = { ...valid(), trigger: { type: "schedule", params: { cron: "every day", timezone: "" } } };
    expect(codes(graph)).toEqual(["trigger:automation.invalid_cron:cron", "trigger:automation.missing_field:timezone"]);
    graph = updateParams(valid(), "condition_1", { match: "any", rules: [{ field: "contact.tags", op: "contains" }, { field: "contact.blocked", op: "is_true" }] });
    expect(codes(graph)).toEqual(["condition_1:automation.missing_field:value"]);
  });

  it("needs the trigger connected and attribute keys in lowercase", () => {
    const graph = valid();
    expect(codes({ ...graph, edges: graph.edges.filter((e) => e.from !== "trigger") })).toEqual(
      expect.arrayContaining(["trigger:automation.no_start", "condition_1:automation.unreachable"]),
    );
    let next = insertAfter(graph, "add_tag_1", "next", "set_attribute").graph;
    next = updateParams(next, "set_attribute_1", { key: "Plan", value: "{{contact.attributes.plan}}" });
    expect(codes(next)).toEqual(["set_attribute_1:automation.invalid_params:key"]);
  });

  it("finds variables with spaces", () => {
    expect(variablesIn("{{ contact.name }} and {{workspace.name}}")).toEqual(["contact.name", "workspace.name"]);
  });
});

describe("readCron", () => {
  it("reads the common shapes", () => {
    expect(readCron("0 9 * * 1-5")).toEqual({ kind: "weekdays", time: "09:00", days: [1, 2, 3, 4, 5] });
    expect(readCron("30 18 * * *")).toEqual({ kind: "daily", time: "18:30" });
    expect(readCron("*/15 * * * *")).toEqual({ kind: "every_minutes", every: 15 });
    expect(readCron("5 * * * *")).toEqual({ kind: "hourly", minute: 5 });
    expect(readCron("0 8 1 * *")).toEqual({ kind: "monthly", time: "08:00", day: 1 });
    expect(readCron("0 9 * 1 *")).toEqual({ kind: "custom" });
  });
});

import { describe, expect, it } from "vitest";

import { blankGraph, handlesOf } from "./catalog";
import { deleteNode, edgeAt, fromFlow, insertAfter, planDelete, toFlow } from "./graph";
import type { Graph } from "./types";

function build(): Graph {
  // trigger → check(condition); true → reply(send_message) → done(stop); false → tag(add_tag)
  let graph = blankGraph();
  let step = insertAfter(graph, "trigger", "next", "condition");
  graph = step.graph;
  const check = step.id;
  step = insertAfter(graph, check, "true", "send_message");
  graph = step.graph;
  const reply = step.id;
  graph = insertAfter(graph, reply, "next", "stop").graph;
  graph = insertAfter(graph, check, "false", "add_tag").graph;
  return graph;
}

describe("handles", () => {
  it("gives branches and failure paths per type", () => {
    expect(handlesOf("trigger")).toEqual(["next"]);
    expect(handlesOf("condition")).toEqual(["true", "false"]);
    expect(handlesOf("ab_split")).toEqual(["a", "b"]);
    expect(handlesOf("ask_question")).toEqual(["answered", "timeout", "failure"]);
    expect(handlesOf("send_message")).toEqual(["next", "failure"]);
    expect(handlesOf("wait")).toEqual(["next"]);
    expect(handlesOf("stop")).toEqual([]);
  });
});

describe("insertAfter", () => {
  it("adds a step on an empty handle with default params and a readable id", () => {
    const { graph, id } = insertAfter(blankGraph(), "trigger", "next", "send_message");
    expect(id).toBe("send_message_1");
    expect(graph.nodes).toEqual([{ id, type: "send_message", params: { text: "" } }]);
    expect(graph.edges).toEqual([{ from: "trigger", to: id }]);
  });

  it("writes branch handles and leaves `next` implicit", () => {
    const graph = build();
    expect(graph.edges).toContainEqual({ from: "condition_1", to: "send_message_1", handle: "true" });
    expect(graph.edges).toContainEqual({ from: "condition_1", to: "add_tag_1", handle: "false" });
    expect(graph.edges).toContainEqual({ from: "send_message_1", to: "stop_1" });
  });

  it("moves what was on the handle below the new step, on its first handle", () => {
    const { graph, id } = insertAfter(build(), "trigger", "next", "condition");
    expect(id).toBe("condition_2");
    expect(edgeAt(graph, "trigger", "next")?.to).toBe("condition_2");
    expect(edgeAt(graph, "condition_2", "true")?.to).toBe("condition_1");
    expect(graph.edges.filter((e) => e.from === "trigger")).toHaveLength(1);
  });
});

describe("deleteNode", () => {
  it("reconnects a single child to the parents", () => {
    const graph = deleteNode(build(), "send_message_1");
    expect(graph.nodes.map((n) => n.id)).not.toContain("send_message_1");
    expect(edgeAt(graph, "condition_1", "true")?.to).toBe("stop_1");
  });

  it("removes a branching step's now unreachable branches", () => {
    const before = build();
    expect(planDelete(before, "condition_1")).toEqual({
      reconnect: null,
      alsoRemoved: expect.arrayContaining(["send_message_1", "stop_1", "add_tag_1"]) as unknown as string[],
    });
    const graph = deleteNode(before, "condition_1");
    expect(graph.nodes).toEqual([]);
    expect(graph.edges).toEqual([]);
  });

  it("keeps the trigger", () => {
    const graph = build();
    expect(deleteNode(graph, "trigger")).toBe(graph);
  });

  it("a leaf just goes", () => {
    const graph = deleteNode(build(), "add_tag_1");
    expect(edgeAt(graph, "condition_1", "false")).toBeUndefined();
    expect(graph.nodes).toHaveLength(3);
  });
});

describe("toFlow / fromFlow", () => {
  it("lays out top-down with the trigger first and marks used handles and problems", () => {
    const graph = build();
    const { nodes, edges } = toFlow(graph, new Map([["send_message_1", ["text is required"]]]));
    const at = (id: string) => nodes.find((n) => n.id === id)!;
    expect(at("trigger").position.y).toBeLessThan(at("condition_1").position.y);
    expect(at("condition_1").position.y).toBeLessThan(at("send_message_1").position.y);
    expect(at("send_message_1").position.y).toBeLessThan(at("stop_1").position.y);
    expect(at("condition_1").data.used.sort()).toEqual(["false", "true"]);
    expect(at("send_message_1").data.problems).toEqual(["text is required"]);
    expect(edges).toContainEqual(expect.objectContaining({ source: "condition_1", sourceHandle: "true", target: "send_message_1" }));
  });

  it("round-trips", () => {
    const graph = build();
    const { nodes, edges } = toFlow(graph);
    const back = fromFlow(nodes, edges, graph);
    expect(back.nodes).toEqual(graph.nodes);
    expect(new Set(back.edges.map((e) => JSON.stringify(e)))).toEqual(new Set(graph.edges.map((e) => JSON.stringify(e))));
  });
});

describe("layout order", () => {
  it("puts a branch's first handle on the left", () => {
    const graph = build();
    const { nodes } = toFlow(graph);
    const x = (id: string) => nodes.find((n) => n.id === id)!.position.x;
    expect(x("send_message_1")).toBeLessThan(x("add_tag_1"));
    // And when the later branch is the deeper one.
    const deeper = insertAfter(graph, "add_tag_1", "next", "wait").graph;
    const flow = toFlow(deeper).nodes;
    const dx = (id: string) => flow.find((n) => n.id === id)!.position.x;
    expect(dx("send_message_1")).toBeLessThan(dx("add_tag_1"));
  });

  it("keeps three handles in order, nested branches too", () => {
    let graph = insertAfter(blankGraph(), "trigger", "next", "ask_question").graph;
    graph = insertAfter(graph, "ask_question_1", "failure", "stop").graph;
    graph = insertAfter(graph, "ask_question_1", "timeout", "add_note").graph;
    graph = insertAfter(graph, "ask_question_1", "answered", "ab_split").graph;
    graph = insertAfter(graph, "ab_split_1", "b", "wait").graph;
    graph = insertAfter(graph, "ab_split_1", "a", "send_message").graph;
    const flow = toFlow(graph).nodes;
    const x = (id: string) => flow.find((n) => n.id === id)!.position.x;
    expect(x("ab_split_1")).toBeLessThan(x("add_note_1"));
    expect(x("add_note_1")).toBeLessThan(x("stop_1"));
    expect(x("send_message_1")).toBeLessThan(x("wait_1"));
  });
});

// Pure graph edits for the builder (graph JSON v1) and the mapping to and from the canvas.
import dagre from "@dagrejs/dagre";
import type { Edge, Node } from "@xyflow/react";

import { TRIGGER_ID, defaultParams, handlesOf } from "./catalog";
import type { Graph, GraphEdge, GraphNode, NodeType, Params, Trigger } from "./types";

export const NODE_WIDTH = 260;
export const NODE_HEIGHT = 112;

export function handleOf(edge: GraphEdge): string {
  return edge.handle ?? "next";
}

export function findNode(graph: Graph, id: string): GraphNode | undefined {
  return graph.nodes.find((node) => node.id === id);
}

export function typeOf(graph: Graph, id: string): NodeType | "trigger" | undefined {
  return id === TRIGGER_ID ? "trigger" : findNode(graph, id)?.type;
}

export function edgeAt(graph: Graph, from: string, handle: string): GraphEdge | undefined {
  return graph.edges.find((edge) => edge.from === from && handleOf(edge) === handle);
}

/** A readable id that survives edits: `send_message_2`. */
export function newNodeId(graph: Graph, type: NodeType): string {
  const taken = new Set(graph.nodes.map((node) => node.id));
  for (let n = 1; ; n += 1) {
    const id = `${type}_${n}`;
    if (!taken.has(id)) return id;
  }
}

function edge(from: string, to: string, handle: string): GraphEdge {
  return handle === "next" ? { from, to } : { from, to, handle };
}

/**
 * Inserts a step of `type` on `from`'s `handle`. A step already there moves below the new one,
 * on its first handle (a `stop` has none: what was below is then left unreachable, and
 * validation says so).
 */
export function insertAfter(graph: Graph, from: string, handle: string, type: NodeType): { graph: Graph; id: string } {
  const id = newNodeId(graph, type);
  const existing = edgeAt(graph, from, handle);
  const edges = graph.edges.filter((e) => e !== existing);
  edges.push(edge(from, id, handle));
  const first = handlesOf(type)[0];
  if (existing && first) edges.push(edge(id, existing.to, first));
  const node: GraphNode = { id, type, params: defaultParams(type) };
  return { graph: { ...graph, nodes: [...graph.nodes, node], edges }, id };
}

/** The node ids reachable from `start` (itself included) along the graph's edges. */
export function reachable(graph: Graph, start: string = TRIGGER_ID): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of graph.edges) if (e.from === id) stack.push(e.to);
  }
  return seen;
}

export interface DeletePlan {
  /** The single child that takes the deleted step's place, if that is unambiguous. */
  reconnect: string | null;
  /** Other steps removed with it: those nothing reaches any more. */
  alsoRemoved: string[];
}

/** What deleting `id` does: its one child reconnects to its parents; a branch goes with it. */
export function planDelete(graph: Graph, id: string): DeletePlan {
  const outgoing = graph.edges.filter((e) => e.from === id);
  const children = [...new Set(outgoing.map((e) => e.to))];
  const reconnect = children.length === 1 ? children[0] : null;
  const after = applyDelete(graph, id, reconnect);
  const before = reachable(graph);
  const still = reachable(after);
  const alsoRemoved = graph.nodes
    .map((node) => node.id)
    .filter((other) => other !== id && before.has(other) && !still.has(other));
  return { reconnect, alsoRemoved };
}

function applyDelete(graph: Graph, id: string, reconnect: string | null): Graph {
  const edges: GraphEdge[] = [];
  for (const e of graph.edges) {
    if (e.from === id) continue;
    if (e.to === id) {
      if (reconnect) edges.push({ ...e, to: reconnect });
      continue;
    }
    edges.push(e);
  }
  return { ...graph, nodes: graph.nodes.filter((node) => node.id !== id), edges };
}

/** Deletes a step as planDelete describes; the trigger cannot be deleted. */
export function deleteNode(graph: Graph, id: string): Graph {
  if (id === TRIGGER_ID) return graph;
  const plan = planDelete(graph, id);
  let next = applyDelete(graph, id, plan.reconnect);
  const gone = new Set(plan.alsoRemoved);
  next = {
    ...next,
    nodes: next.nodes.filter((node) => !gone.has(node.id)),
    edges: next.edges.filter((e) => !gone.has(e.from) && !gone.has(e.to)),
  };
  return next;
}

export function updateParams(graph: Graph, id: string, params: Params): Graph {
  return { ...graph, nodes: graph.nodes.map((node) => (node.id === id ? { ...node, params } : node)) };
}

export function updateNode(graph: Graph, id: string, change: Partial<Omit<GraphNode, "id">>): Graph {
  return { ...graph, nodes: graph.nodes.map((node) => (node.id === id ? { ...node, ...change } : node)) };
}

export function setTrigger(graph: Graph, trigger: Trigger): Graph {
  return { ...graph, trigger };
}

function outgoing(graph: Graph, id: string): GraphEdge[] {
  const handles = handlesOf(typeOf(graph, id) ?? "trigger");
  return graph.edges.filter((e) => e.from === id).sort((x, y) => handles.indexOf(handleOf(x)) - handles.indexOf(handleOf(y)));
}

/** The trigger, then every step breadth-first along handles in order; unreachable ones last. */
function layoutOrder(graph: Graph): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const queue = [TRIGGER_ID];
  while (queue.length) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    order.push(id);
    for (const e of outgoing(graph, id)) queue.push(e.to);
  }
  for (const node of graph.nodes) if (!seen.has(node.id)) order.push(node.id);
  return order.filter((id) => id === TRIGGER_ID || findNode(graph, id));
}

function orderedEdges(graph: Graph, ids: string[]): GraphEdge[] {
  return ids.flatMap((id) => outgoing(graph, id));
}

/** What a canvas node carries: the step (or the trigger) and what to draw on it. */
export interface StepData extends Record<string, unknown> {
  id: string;
  kind: NodeType | "trigger";
  params: Params;
  handles: string[];
  /** Handles that already lead somewhere. */
  used: string[];
  problems: string[];
}

export type StepNode = Node<StepData, "step">;

/** The canvas's nodes and edges, laid out top-down by dagre, the trigger at the top. */
export function toFlow(graph: Graph, problems: Map<string, string[]> = new Map()): { nodes: StepNode[]; edges: Edge[] } {
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: "TB", nodesep: 48, ranksep: 72, marginx: 24, marginy: 24 });
  layout.setDefaultEdgeLabel(() => ({}));
  // Nodes go in breadth-first along handles in order, and edges in the reverse of that order,
  // which is what makes dagre put `true` / `a` / `answered` left of their siblings (graph.test.ts).
  const ids = layoutOrder(graph);
  for (const id of ids) layout.setNode(id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  const known = new Set(ids);
  for (const e of orderedEdges(graph, ids).reverse()) if (known.has(e.to) && known.has(e.from)) layout.setEdge(e.from, e.to);
  dagre.layout(layout);

  const nodes: StepNode[] = ids.map((id) => {
    const node = findNode(graph, id);
    const kind = node?.type ?? "trigger";
    const point = layout.node(id);
    return {
      id,
      type: "step",
      position: { x: point.x - NODE_WIDTH / 2, y: point.y - NODE_HEIGHT / 2 },
      width: NODE_WIDTH,
      height: NODE_HEIGHT,
      draggable: false,
      connectable: false,
      deletable: false,
      data: {
        id,
        kind,
        params: node?.params ?? graph.trigger.params,
        handles: handlesOf(kind),
        used: graph.edges.filter((e) => e.from === id).map(handleOf),
        problems: problems.get(id) ?? [],
      },
    };
  });
  const edges: Edge[] = graph.edges.map((e) => ({
    id: `${e.from}:${handleOf(e)}`,
    source: e.from,
    sourceHandle: handleOf(e),
    target: e.to,
    type: "smoothstep",
    deletable: false,
    data: { handle: handleOf(e) },
  }));
  return { nodes, edges };
}

/** The graph a canvas shows: its nodes' params and its edges (the inverse of toFlow). */
export function fromFlow(nodes: StepNode[], edges: Edge[], base: Graph): Graph {
  const trigger = nodes.find((node) => node.id === TRIGGER_ID);
  const position = (id: string) => base.nodes.findIndex((node) => node.id === id);
  return {
    ...base,
    trigger: { ...base.trigger, params: trigger?.data.params ?? base.trigger.params },
    nodes: nodes
      .filter((node) => node.id !== TRIGGER_ID)
      .sort((x, y) => position(x.id) - position(y.id))
      .map((node) => {
        const previous = findNode(base, node.id);
        const out: GraphNode = { id: node.id, type: node.data.kind as NodeType, params: node.data.params };
        if (previous?.retry) out.retry = previous.retry;
        return out;
      }),
    edges: edges.map((e) => edge(e.source, e.target, e.sourceHandle ?? "next")),
  };
}

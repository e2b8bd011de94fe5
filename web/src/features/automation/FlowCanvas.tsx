import { PlusOutlined, WarningOutlined } from "@ant-design/icons";
import { Background, Controls, Handle, Position, ReactFlow, useReactFlow, type NodeProps } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { Button, Dropdown, Tooltip, Typography, theme, type MenuProps } from "antd";
import { createContext, useContext, useEffect, useMemo, useRef, type RefObject } from "react";
import { useTranslation } from "react-i18next";

import { usePrefs } from "../../prefs";
import { NODE_GROUPS } from "./catalog";
import { NODE_HEIGHT, NODE_WIDTH, toFlow, type StepNode } from "./graph";
import { NODE_ICONS } from "./icons";
import { nodeSummary, triggerSummary } from "./summary";
import type { Graph, NodeType, TriggerType } from "./types";

interface CanvasActions {
  selected: string | null;
  select(id: string): void;
  add(from: string, handle: string, type: NodeType): void;
  triggerType: TriggerType;
}

const Actions = createContext<CanvasActions | null>(null);

function useActions(): CanvasActions {
  const actions = useContext(Actions);
  if (!actions) throw new Error("step outside the canvas");
  return actions;
}

/** The "add a step" menu, grouped; choosing inserts on the handle. */
function AddMenu({ from, handle, label }: { from: string; handle: string; label: string }) {
  const { t } = useTranslation("automation");
  const { add } = useActions();
  const { token } = theme.useToken();
  const items: MenuProps["items"] = NODE_GROUPS.map((group) => ({
    type: "group",
    key: group.key,
    label: t(`groups.${group.key}`),
    children: group.types.map((type) => ({ key: type, icon: NODE_ICONS[type], label: t(`nodes.${type}`) })),
  }));
  const failure = handle === "failure";
  const iconOnly = handle === "next" || failure;
  return (
    <Dropdown
      trigger={["click"]}
      // A long menu scrolls within the window rather than running off its edge.
      menu={{ items, onClick: ({ key }) => add(from, handle, key as NodeType), style: { maxHeight: "min(480px, 70vh)", overflowY: "auto" } }}
    >
      <Tooltip title={iconOnly ? t("canvas.addOn", { handle: label }) : undefined}>
      <Button
        size="small"
        shape={handle === "next" ? "circle" : "round"}
        className="nodrag nopan"
        icon={failure ? <WarningOutlined /> : <PlusOutlined />}
        aria-label={t("canvas.addOn", { handle: label })}
        data-handle={`${from}:${handle}`}
        style={failure ? { color: token.colorTextTertiary } : undefined}
      >
        {iconOnly ? null : label}
      </Button>
      </Tooltip>
    </Dropdown>
  );
}

/** One step (or the trigger) on the canvas: what it does, its problems, and a "+" per handle. */
function StepCard({ data }: NodeProps<StepNode>) {
  const { t } = useTranslation("automation");
  const { token } = theme.useToken();
  const { select, selected, triggerType } = useActions();
  const isTrigger = data.kind === "trigger";
  const title = isTrigger ? t(`triggers.${triggerType}`) : t(`nodes.${data.kind}`);
  const summary = isTrigger ? triggerSummary(t, triggerType, data.params) : nodeSummary(t, data.kind as NodeType, data.params);
  const bad = data.problems.length > 0;
  const handles = data.handles;
  // Every handle gets a "+" (on a used one, the new step goes in between), centred in equal
  // cells across the card so each edge leaves right under its button.
  const positions = handles.map((_, index) => `${((index + 0.5) * 100) / handles.length}%`);

  return (
    <div
      data-node-id={data.id}
      data-problems={bad ? data.problems.length : undefined}
      style={{
        width: NODE_WIDTH,
        height: NODE_HEIGHT,
        boxSizing: "border-box",
        background: token.colorBgContainer,
        border: `${bad || selected === data.id ? 2 : 1}px solid ${bad ? token.colorError : selected === data.id ? token.colorPrimary : token.colorBorder}`,
        borderRadius: token.borderRadiusLG,
        boxShadow: token.boxShadowTertiary,
        display: "flex",
        flexDirection: "column",
        padding: "8px 10px 40px",
        gap: 2,
        position: "relative",
      }}
    >
      {!isTrigger && <Handle type="target" position={Position.Top} isConnectable={false} />}
      <button
        type="button"
        className="nodrag nopan"
        onClick={() => select(data.id)}
        aria-label={t("canvas.edit", { name: title })}
        style={{
          all: "unset",
          cursor: "pointer",
          display: "flex",
          flexDirection: "column",
          gap: 2,
          minHeight: 0,
          flex: 1,
          outlineOffset: 2,
        }}
      >
        <span style={{ display: "flex", gap: 6, alignItems: "center", color: isTrigger ? token.colorPrimary : token.colorText, fontWeight: 600 }}>
          {NODE_ICONS[data.kind]}
          <span>{isTrigger ? t("canvas.when", { trigger: title }) : title}</span>
          {bad && (
            <Tooltip title={t("canvas.problems", { count: data.problems.length })}>
              <WarningOutlined style={{ color: token.colorError, marginLeft: "auto" }} aria-label={t("canvas.problems", { count: data.problems.length })} />
            </Tooltip>
          )}
        </span>
        <Typography.Text type="secondary" ellipsis style={{ fontSize: token.fontSizeSM }}>
          {summary || t("canvas.notSet")}
        </Typography.Text>
      </button>
      <div style={{ position: "absolute", left: 0, right: 0, bottom: 6, display: "flex" }}>
        {handles.map((handle) => (
          <div key={handle} style={{ flex: 1, display: "flex", justifyContent: "center" }}>
            <AddMenu from={data.id} handle={handle} label={t(`handles.${handle}`)} />
          </div>
        ))}
      </div>
      {handles.map((handle, index) => (
        <Handle key={handle} type="source" id={handle} position={Position.Bottom} isConnectable={false} style={{ left: positions[index] }} />
      ))}
    </div>
  );
}

const NODE_TYPES = { step: StepCard };

/** Keeps the whole flow in view as it grows, and as the canvas itself changes size (a problem
 * list opening above it, a narrower window). */
function FitOnChange({ count, container }: { count: number; container: RefObject<HTMLDivElement | null> }) {
  const flow = useReactFlow();
  useEffect(() => {
    let frame = 0;
    const fit = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => void flow.fitView({ padding: 0.15, maxZoom: 1 }));
    };
    fit();
    const element = container.current;
    const observer = element && typeof ResizeObserver !== "undefined" ? new ResizeObserver(fit) : null;
    if (element) observer?.observe(element);
    return () => {
      cancelAnimationFrame(frame);
      observer?.disconnect();
    };
  }, [count, flow, container]);
  return null;
}

export interface FlowCanvasProps {
  graph: Graph;
  problems: Map<string, string[]>;
  selected: string | null;
  onSelect(id: string): void;
  onAdd(from: string, handle: string, type: NodeType): void;
}

/** The workflow drawn top-down, laid out again on every change; nothing is placed by hand. */
export function FlowCanvas({ graph, problems, selected, onSelect, onAdd }: FlowCanvasProps) {
  const { t } = useTranslation("automation");
  const { dark } = usePrefs();
  const { token } = theme.useToken();
  const container = useRef<HTMLDivElement>(null);
  const { nodes, edges } = useMemo(() => toFlow(graph, problems), [graph, problems]);
  const labelled = useMemo(
    () =>
      edges.map((edge) => {
        const handle = String(edge.data?.handle ?? "next");
        return handle === "next"
          ? edge
          : {
              ...edge,
              label: t(`handles.${handle}`),
              labelStyle: { fill: token.colorText },
              labelBgStyle: { fill: token.colorBgContainer },
              style: handle === "failure" ? { stroke: token.colorError, strokeDasharray: "4 3" } : undefined,
            };
      }),
    [edges, t, token],
  );
  const actions = useMemo<CanvasActions>(
    () => ({ selected, select: onSelect, add: onAdd, triggerType: graph.trigger.type }),
    [selected, onSelect, onAdd, graph.trigger.type],
  );

  return (
    <Actions.Provider value={actions}>
      <div ref={container} style={{ width: "100%", height: "100%" }} role="region" aria-label={t("canvas.label")} data-testid="canvas">
        <ReactFlow
          nodes={nodes}
          edges={labelled}
          nodeTypes={NODE_TYPES}
          colorMode={dark ? "dark" : "light"}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          deleteKeyCode={null}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1 }}
          minZoom={0.2}
          style={{ background: token.colorBgLayout }}
        >
          <Background color={token.colorBorderSecondary} />
          <Controls showInteractive={false} />
          <FitOnChange count={nodes.length} container={container} />
        </ReactFlow>
      </div>
    </Actions.Provider>
  );
}

import { Alert, Button, Descriptions, Drawer, Empty, Grid, Select, Space, Table, Timeline, Typography, theme } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { usePrefs } from "../../prefs";
import { relativeTime } from "../../time";
import { useRun, useRuns } from "./api";
import { automationErrorText } from "./errors";
import { findNode } from "./graph";
import { RunStatusTag } from "./StatusTag";
import { duration } from "./summary";
import type { Graph, WorkflowRun, WorkflowStep } from "./types";

const RUN_STATES = ["pending", "running", "waiting", "completed", "failed", "stopped", "skipped"];

export function runDuration(run: { started_at: string | null; finished_at: string | null; duration_ms?: number }): string {
  if (run.duration_ms === undefined && (!run.started_at || !run.finished_at)) return "";
  const ms = run.duration_ms ?? new Date(run.finished_at as string).getTime() - new Date(run.started_at as string).getTime();
  if (ms < 1) return "< 1 ms";
  return ms < 1000 ? `${Math.round(ms)} ms` : duration(ms / 1000);
}

function Json({ value }: { value: unknown }) {
  const { token } = theme.useToken();
  if (value === null || value === undefined) return <Typography.Text type="secondary">—</Typography.Text>;
  return (
    <pre
      style={{
        margin: 0,
        padding: 8,
        maxHeight: 220,
        overflow: "auto",
        fontSize: token.fontSizeSM,
        background: token.colorFillTertiary,
        borderRadius: token.borderRadius,
        whiteSpace: "pre-wrap",
        wordBreak: "break-word",
      }}
    >
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

const STEP_COLORS: Record<string, string> = { succeeded: "green", failed: "red", skipped: "gray" };

/** A run's steps in order, each with its timing, attempts, input, output and error. */
export function RunSteps({ steps, graph }: { steps: WorkflowStep[]; graph?: Graph }) {
  const { t } = useTranslation("automation");
  if (!steps.length) return <Empty description={t("runs.noSteps")} />;
  return (
    <Timeline
      data-testid="run-steps"
      items={steps.map((step) => {
        const type = step.node_type ?? (graph && findNode(graph, step.node_id)?.type);
        return {
          color: STEP_COLORS[step.status] ?? "blue",
          children: (
            <Space direction="vertical" size={4} style={{ width: "100%" }}>
              <Space wrap>
                <Typography.Text strong>{type ? t(`nodes.${type}`, { defaultValue: type }) : step.node_id}</Typography.Text>
                <Typography.Text code>{step.node_id}</Typography.Text>
                <RunStatusTag status={step.status} />
                <Typography.Text type="secondary">
                  {runDuration(step)} {step.attempts > 1 ? t("runs.attempts", { count: step.attempts }) : ""}
                </Typography.Text>
              </Space>
              {step.error && <Alert type="error" showIcon message={step.error} />}
              <Typography.Text type="secondary">{t("runs.input")}</Typography.Text>
              <Json value={step.input} />
              <Typography.Text type="secondary">{t("runs.output")}</Typography.Text>
              <Json value={step.output} />
            </Space>
          ),
        };
      })}
    />
  );
}

function RunDrawer({ ws, runId, graph, onClose }: { ws: string; runId: string | null; graph: Graph; onClose(): void }) {
  const { t } = useTranslation(["automation", "translation"]);
  const { language } = usePrefs();
  const screens = Grid.useBreakpoint();
  const run = useRun(ws, runId);
  return (
    <Drawer open={runId !== null} onClose={onClose} width={screens.sm === false ? "100%" : 560} title={t("runs.run")}>
      {run.isError && <Alert type="error" showIcon message={automationErrorText(t, run.error)} />}
      {run.data && (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t("runs.status")}>
              <RunStatusTag status={run.data.state} />
              {run.data.dry_run && <Typography.Text type="warning">{t("runs.dryRun")}</Typography.Text>}
            </Descriptions.Item>
            <Descriptions.Item label={t("runs.contact")}>{run.data.contact_id ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("runs.started")}>{run.data.started_at ? relativeTime(run.data.started_at, language) : "—"}</Descriptions.Item>
            <Descriptions.Item label={t("runs.duration")}>{runDuration(run.data) || "—"}</Descriptions.Item>
            {(run.data.reason || run.data.error) && (
              <Descriptions.Item label={t("runs.reason")}>{[run.data.reason, run.data.error].filter(Boolean).join(" · ")}</Descriptions.Item>
            )}
          </Descriptions>
          <RunSteps steps={run.data.steps ?? []} graph={graph} />
        </Space>
      )}
    </Drawer>
  );
}

/** A workflow's runs, newest first, filterable by state; a row opens its steps. */
export function RunHistory({ ws, workflowId, graph }: { ws: string; workflowId: string; graph: Graph }) {
  const { t } = useTranslation(["automation", "translation"]);
  const { language } = usePrefs();
  const [status, setStatus] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const runs = useRuns(ws, workflowId, status);

  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Select
        aria-label={t("runs.filter")}
        value={status}
        onChange={setStatus}
        style={{ width: 200 }}
        options={[{ value: "", label: t("runs.allStates") }, ...RUN_STATES.map((s) => ({ value: s, label: t(`runStatus.${s}`) }))]}
      />
      {runs.isError && <Alert type="error" showIcon message={automationErrorText(t, runs.error)} />}
      <Table<WorkflowRun>
        rowKey="id"
        size="small"
        loading={runs.isPending}
        dataSource={runs.data?.items ?? []}
        pagination={false}
        scroll={{ x: 640 }}
        locale={{ emptyText: <Empty description={t("runs.none")} /> }}
        onRow={(run) => ({ onClick: () => setOpen(run.id), style: { cursor: "pointer" } })}
        columns={[
          { key: "status", title: t("runs.status"), render: (_, run) => <RunStatusTag status={run.state} /> },
          {
            key: "contact",
            title: t("runs.contact"),
            render: (_, run) => (
              <Button type="link" size="small" style={{ padding: 0 }} onClick={() => setOpen(run.id)}>
                {run.contact_id ? run.contact_id.slice(0, 8) : t("runs.noContact")}
                {run.dry_run ? ` · ${t("runs.dryRun")}` : ""}
              </Button>
            ),
          },
          { key: "started", title: t("runs.started"), render: (_, run) => (run.started_at ? relativeTime(run.started_at, language) : "—") },
          { key: "duration", title: t("runs.duration"), render: (_, run) => runDuration(run) || "—" },
          { key: "reason", title: t("runs.reason"), render: (_, run) => [run.reason, run.error].filter(Boolean).join(" · ") },
        ]}
      />
      <RunDrawer ws={ws} runId={open} graph={graph} onClose={() => setOpen(null)} />
    </Space>
  );
}

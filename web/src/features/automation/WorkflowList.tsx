import { CopyOutlined, DeleteOutlined, HistoryOutlined, PlusOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Empty, Grid, Popconfirm, Space, Switch, Table, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";

import { usePrefs } from "../../prefs";
import { relativeTime } from "../../time";
import { useWorkflowActions, useWorkflows } from "./api";
import { automationErrorText, problemsOf } from "./errors";
import { NewWorkflow } from "./NewWorkflow";
import { StatusTag } from "./StatusTag";
import { triggerSummary } from "./summary";
import type { Workflow } from "./types";

/** /automation: every workflow with its state and trigger; create, copy, publish, delete. */
export function WorkflowList({ ws }: { ws: string }) {
  const { t } = useTranslation(["automation", "translation"]);
  const { language } = usePrefs();
  const { message } = AntApp.useApp();
  const navigate = useNavigate();
  const screens = Grid.useBreakpoint();
  const workflows = useWorkflows(ws);
  const actions = useWorkflowActions(ws);
  const [creating, setCreating] = useState(false);

  const toggle = async (workflow: Workflow, on: boolean) => {
    try {
      if (on) await actions.publish.mutateAsync(workflow.id);
      else await actions.unpublish.mutateAsync(workflow.id);
    } catch (error) {
      // A graph that does not pass is fixed in the builder, where its problems are shown.
      if (problemsOf(error)) {
        void message.error(t("list.cannotPublish"));
        navigate(`/w/${ws}/automation/${workflow.id}`);
      } else void message.error(automationErrorText(t, error));
    }
  };

  const run = (fn: () => Promise<unknown>) => () => void fn().catch((error: unknown) => message.error(automationErrorText(t, error)));

  return (
    <Space direction="vertical" style={{ width: "100%", padding: screens.md === false ? 12 : 24 }}>
      <Space style={{ width: "100%", justifyContent: "space-between" }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t("list.title")}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t("list.new")}
        </Button>
      </Space>
      <Typography.Paragraph type="secondary">{t("list.intro")}</Typography.Paragraph>
      {workflows.isError && <Alert type="error" showIcon message={automationErrorText(t, workflows.error)} />}
      <Table<Workflow>
        rowKey="id"
        loading={workflows.isPending}
        dataSource={workflows.data ?? []}
        pagination={false}
        scroll={{ x: 760 }}
        locale={{ emptyText: <Empty description={t("list.empty")} /> }}
        columns={[
          {
            key: "name",
            title: t("list.name"),
            render: (_, w) => (
              <Link to={`/w/${ws}/automation/${w.id}`} data-workflow-id={w.id}>
                {w.name}
              </Link>
            ),
          },
          { key: "status", title: t("list.statusTitle"), render: (_, w) => <StatusTag workflow={w} /> },
          {
            key: "trigger",
            title: t("list.trigger"),
            render: (_, w) => {
              const detail = triggerSummary(t, w.graph.trigger.type, w.graph.trigger.params);
              return (
                <span>
                  {t(`triggers.${w.graph.trigger.type}`, { defaultValue: w.graph.trigger.type })}
                  {detail && <Typography.Text type="secondary">{` · ${detail}`}</Typography.Text>}
                </span>
              );
            },
          },
          { key: "updated", title: t("list.updated"), render: (_, w) => (w.updated_at ? relativeTime(w.updated_at, language) : "—") },
          {
            key: "runs",
            title: t("list.runs"),
            render: (_, w) =>
              w.counts ? (
                <Tooltip title={t("list.counts", w.counts)}>
                  <Link to={`/w/${ws}/automation/${w.id}/runs`} aria-label={t("list.openRuns", { name: w.name })}>
                    {w.counts.total}
                  </Link>
                </Tooltip>
              ) : (
                <Link to={`/w/${ws}/automation/${w.id}/runs`} aria-label={t("list.openRuns", { name: w.name })}>
                  <HistoryOutlined />
                </Link>
              ),
          },
          {
            key: "actions",
            title: t("list.actions"),
            render: (_, w) => (
              <Space>
                <Switch
                  size="small"
                  checked={w.status === "published"}
                  aria-label={t("list.publishToggle", { name: w.name })}
                  loading={(actions.publish.isPending && actions.publish.variables === w.id) || (actions.unpublish.isPending && actions.unpublish.variables === w.id)}
                  onChange={(on) => void toggle(w, on)}
                />
                <Tooltip title={t("list.duplicate")}>
                  <Button
                    size="small"
                    icon={<CopyOutlined />}
                    aria-label={t("list.duplicateNamed", { name: w.name })}
                    onClick={run(() => actions.duplicate.mutateAsync({ workflowId: w.id, name: t("list.copyName", { name: w.name }) }))}
                  />
                </Tooltip>
                <Popconfirm title={t("list.deleteConfirm", { name: w.name })} okButtonProps={{ danger: true }} onConfirm={run(() => actions.remove.mutateAsync(w.id))}>
                  <Button size="small" danger icon={<DeleteOutlined />} aria-label={t("list.deleteNamed", { name: w.name })} />
                </Popconfirm>
              </Space>
            ),
          },
        ]}
      />
      <NewWorkflow ws={ws} open={creating} onClose={() => setCreating(false)} />
    </Space>
  );
}

import { ArrowLeftOutlined, CheckCircleOutlined, DeleteOutlined, ExperimentOutlined, SaveOutlined, SendOutlined, StopOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Button, Drawer, Grid, Input, List, Result, Space, Spin, Tabs, Tag, Typography, theme } from "antd";
import { useCallback, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { useWorkflow, useWorkflowActions } from "./api";
import { TRIGGER_ID } from "./catalog";
import { automationErrorText, problemsOf, problemText } from "./errors";
import { FlowCanvas } from "./FlowCanvas";
import { deleteNode, findNode, insertAfter, planDelete, setTrigger, updateNode } from "./graph";
import { NodeForm, TriggerForm } from "./NodeForm";
import { RunHistory } from "./RunHistory";
import { StatusTag } from "./StatusTag";
import { TestRunModal } from "./TestRunModal";
import type { Graph, GraphProblem, NodeType, Workflow } from "./types";
import { validateGraph } from "./validate";

/** /automation/:workflowId (and …/runs): the canvas, a step's settings, checks, publishing, runs. */
export function BuilderPage({ ws, workflowId, tab }: { ws: string; workflowId: string; tab: "builder" | "runs" }) {
  const { t } = useTranslation(["automation", "translation"]);
  const workflow = useWorkflow(ws, workflowId);
  if (workflow.isPending) return <Spin style={{ margin: 48 }} />;
  if (workflow.isError) return <Result status="error" title={automationErrorText(t, workflow.error)} />;
  return <Builder key={workflow.data.id} ws={ws} workflow={workflow.data} tab={tab} />;
}

function Builder({ ws, workflow, tab }: { ws: string; workflow: Workflow; tab: "builder" | "runs" }) {
  const { t } = useTranslation(["automation", "translation"]);
  const { message, modal } = AntApp.useApp();
  const navigate = useNavigate();
  const { token } = theme.useToken();
  const screens = Grid.useBreakpoint();
  const phone = screens.sm === false;
  const actions = useWorkflowActions(ws);
  const [graph, setGraph] = useState<Graph>(workflow.graph);
  const [name, setName] = useState(workflow.name);
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  // The last check's findings; once the graph is edited after it, the builder's own checks
  // take over so outlines clear as things are fixed, until the next check asks the server.
  const [checked, setChecked] = useState<GraphProblem[] | null>(null);
  const [editedSinceCheck, setEditedSinceCheck] = useState(false);
  const setProblems = (found: GraphProblem[] | null) => {
    setChecked(found);
    setEditedSinceCheck(false);
  };
  const [testing, setTesting] = useState(false);
  const base = `/w/${ws}/automation/${workflow.id}`;

  const edit = useCallback((next: Graph | ((graph: Graph) => Graph)) => {
    setGraph(next);
    setDirty(true);
    setEditedSinceCheck(true);
  }, []);
  const problems = useMemo(
    () => (checked === null ? null : editedSinceCheck ? validateGraph(graph) : checked),
    [checked, editedSinceCheck, graph],
  );

  // Leaving with unsaved edits asks first (the back button here, and closing or reloading the tab).
  const leave = () => {
    const go = () => navigate(`/w/${ws}/automation`);
    if (!dirty) return go();
    modal.confirm({ title: t("builder.leaveTitle"), content: t("builder.leaveBody"), okText: t("builder.leave"), onOk: go });
  };
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const shown = useMemo(() => {
    const map = new Map<string, string[]>();
    for (const problem of problems ?? []) {
      const id = problem.node_id ?? TRIGGER_ID;
      map.set(id, [...(map.get(id) ?? []), problemText(t, problem)]);
    }
    return map;
  }, [problems, t]);

  const add = useCallback(
    (from: string, handle: string, type: NodeType) => {
      let id = "";
      edit((current) => {
        const result = insertAfter(current, from, handle, type);
        id = result.id;
        return result.graph;
      });
      // The new step's form opens so it can be filled in straight away.
      requestAnimationFrame(() => setSelected(id));
    },
    [edit],
  );

  const remove = (id: string) => {
    const plan = planDelete(graph, id);
    const apply = () => {
      edit((current) => deleteNode(current, id));
      setSelected(null);
    };
    if (!plan.alsoRemoved.length) return apply();
    modal.confirm({
      title: t("builder.deleteBranchTitle"),
      content: t("builder.deleteBranchBody", { count: plan.alsoRemoved.length }),
      okText: t("builder.delete"),
      okButtonProps: { danger: true },
      onOk: apply,
    });
  };

  const save = async (): Promise<boolean> => {
    if (!dirty && name === workflow.name) return true;
    try {
      await actions.save.mutateAsync({ workflowId: workflow.id, name: name.trim() || workflow.name, graph });
      setDirty(false);
      return true;
    } catch (error) {
      void message.error(automationErrorText(t, error));
      return false;
    }
  };

  const validate = async () => {
    if (!(await save())) return;
    try {
      const result = await actions.validate.mutateAsync(workflow.id);
      setProblems(result.problems);
      if (!result.problems.length) void message.success(t("builder.valid"));
    } catch (error) {
      void message.error(automationErrorText(t, error));
    }
  };

  const publish = async () => {
    if (!(await save())) return;
    try {
      const published = await actions.publish.mutateAsync(workflow.id);
      setProblems([]);
      void message.success(t("builder.published", { version: published.published_version }));
      // A webhook workflow's secret is shown this once, at its first publish.
      const secret = published.webhook_secret;
      if (secret)
        modal.info({
          title: t("builder.webhookTitle"),
          width: 560,
          content: (
            <Space direction="vertical" style={{ width: "100%" }}>
              <Typography.Text>{t("builder.webhookBody")}</Typography.Text>
              <Typography.Text code copyable>{`POST ${location.origin}/hooks/automation/${workflow.id}`}</Typography.Text>
              <Typography.Text code copyable>{`X-RelayDesk-Secret: ${secret}`}</Typography.Text>
            </Space>
          ),
        });
    } catch (error) {
      const found = problemsOf(error);
      if (found) {
        setProblems(found.length ? found : validateGraph(graph));
        void message.error(t("builder.notPublished"));
      } else void message.error(automationErrorText(t, error));
    }
  };

  const unpublish = async () => {
    try {
      await actions.unpublish.mutateAsync(workflow.id);
      void message.success(t("builder.unpublished"));
    } catch (error) {
      void message.error(automationErrorText(t, error));
    }
  };

  const node = selected && selected !== TRIGGER_ID ? findNode(graph, selected) : undefined;
  const current = actions.publish.data?.id === workflow.id ? actions.publish.data : workflow;
  const isPublished = (actions.unpublish.data ?? current).status === "published";
  const busy = actions.save.isPending || actions.validate.isPending || actions.publish.isPending;

  // On phones the secondary buttons are icons, named by their aria-labels.
  const label = (text: string) => (phone ? null : text);
  const header = (
    <div
      style={{
        display: "flex",
        flexWrap: "wrap",
        gap: 8,
        alignItems: "center",
        padding: phone ? "8px" : "8px 16px",
        borderBottom: `1px solid ${token.colorBorderSecondary}`,
        background: token.colorBgContainer,
      }}
    >
      <Button type="text" icon={<ArrowLeftOutlined />} aria-label={t("builder.back")} onClick={leave} />
      <Input
        aria-label={t("builder.name")}
        value={name}
        onChange={(event) => {
          setName(event.target.value);
          setDirty(true);
        }}
        maxLength={200}
        style={{ width: phone ? "auto" : 260, flex: phone ? 1 : undefined, fontWeight: 600 }}
      />
      <StatusTag workflow={actions.unpublish.data ?? current} />
      {dirty && <Tag color="warning">{t("builder.unsaved")}</Tag>}
      <Space wrap style={{ marginLeft: "auto" }}>
        <Button
          icon={<SaveOutlined />}
          aria-label={t("builder.save")}
          onClick={() => void save()}
          loading={actions.save.isPending}
          disabled={!dirty && name === workflow.name}
        >
          {label(t("builder.save"))}
        </Button>
        <Button icon={<CheckCircleOutlined />} aria-label={t("builder.validate")} onClick={() => void validate()} loading={actions.validate.isPending} disabled={busy}>
          {label(t("builder.validate"))}
        </Button>
        <Button icon={<ExperimentOutlined />} aria-label={t("builder.testRun")} onClick={() => setTesting(true)}>
          {label(t("builder.testRun"))}
        </Button>
        {isPublished && (
          <Button icon={<StopOutlined />} aria-label={t("builder.unpublish")} onClick={() => void unpublish()} loading={actions.unpublish.isPending}>
            {label(t("builder.unpublish"))}
          </Button>
        )}
        <Button type="primary" icon={<SendOutlined />} onClick={() => void publish()} loading={actions.publish.isPending} disabled={busy}>
          {isPublished ? t("builder.republish") : t("builder.publish")}
        </Button>
      </Space>
    </div>
  );

  const problemList = problems && problems.length > 0 && (
    <Alert
      type="error"
      showIcon
      closable
      onClose={() => setProblems(null)}
      message={t("builder.problems", { count: problems.length })}
      data-testid="problems"
      description={
        <List
          size="small"
          dataSource={problems}
          renderItem={(problem) => (
            <List.Item style={{ padding: "2px 0" }}>
              <Button type="link" size="small" style={{ padding: 0, height: "auto", whiteSpace: "normal", textAlign: "start" }} onClick={() => setSelected(problem.node_id ?? TRIGGER_ID)}>
                <Typography.Text code>{problem.node_id ?? TRIGGER_ID}</Typography.Text> {problemText(t, problem)}
              </Button>
            </List.Item>
          )}
        />
      }
      style={{ margin: 8, maxHeight: 180, overflow: "auto" }}
    />
  );

  const panelTitle = selected === TRIGGER_ID ? t("builder.trigger") : node ? `${t(`nodes.${node.type}`)} · ${node.id}` : "";
  const panelProblems = selected ? (shown.get(selected) ?? []) : [];

  const panel = (      <Drawer
        open={tab === "builder" && selected !== null && (selected === TRIGGER_ID || Boolean(node))}
        onClose={() => setSelected(null)}
        title={panelTitle}
        width={phone ? "100%" : 420}
        mask={phone}
        // Beside the canvas on wide screens, so the header's buttons stay in reach; over everything on phones.
        getContainer={phone ? undefined : false}
        rootStyle={phone ? undefined : { position: "absolute" }}
        destroyOnHidden
        extra={
          node && (
            <Button danger icon={<DeleteOutlined />} onClick={() => remove(node.id)}>
              {t("builder.delete")}
            </Button>
          )
        }
      >
        {panelProblems.length > 0 && (
          <Alert type="error" showIcon style={{ marginBottom: 12 }} message={<ul style={{ margin: 0, paddingInlineStart: 16 }}>{panelProblems.map((p, i) => <li key={i}>{p}</li>)}</ul>} />
        )}
        {selected === TRIGGER_ID && (
          <TriggerForm
            ws={ws}
            graph={graph}
            trigger={graph.trigger}
            onChange={(trigger) => edit((current) => setTrigger(current, trigger))}
            onRateLimit={(perMinute) => edit((current) => ({ ...current, settings: { ...current.settings, rate_limit_per_minute: perMinute } }))}
          />
        )}
        {node && <NodeForm ws={ws} graph={graph} node={node} onChange={(next) => edit((current) => updateNode(current, next.id, { params: next.params, retry: next.retry }))} />}
      </Drawer>
  );

  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
      {header}
      <Tabs
        activeKey={tab}
        onChange={(key) => navigate(key === "runs" ? `${base}/runs` : base)}
        tabBarStyle={{ margin: 0, paddingInline: 16, background: token.colorBgContainer }}
        items={[
          { key: "builder", label: t("builder.tabBuilder") },
          { key: "runs", label: t("builder.tabRuns") },
        ]}
      />
      {tab === "runs" ? (
        <div style={{ flex: 1, overflow: "auto", padding: phone ? 8 : 16 }}>
          <RunHistory ws={ws} workflowId={workflow.id} graph={graph} />
        </div>
      ) : (
        <div style={{ flex: 1, minHeight: 0, display: "flex", flexDirection: "column" }}>
          {problemList}
          <div style={{ flex: 1, minHeight: 0, position: "relative", overflow: "hidden" }}>
            <FlowCanvas graph={graph} problems={shown} selected={selected} onSelect={setSelected} onAdd={add} />
            {!phone && panel}
          </div>
        </div>
      )}
      {phone && panel}
      <TestRunModal ws={ws} workflowId={workflow.id} graph={graph} open={testing} onClose={() => setTesting(false)} published={isPublished} />
    </div>
  );
}

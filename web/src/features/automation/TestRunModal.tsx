import { Alert, Modal, Select, Space, Spin, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { useDebounced } from "../contacts/useDebounced";
import { useContactSearch, useRunUntilDone, useTestRun } from "./api";
import { automationErrorText } from "./errors";
import { RunSteps } from "./RunHistory";
import { RunStatusTag } from "./StatusTag";
import type { Graph } from "./types";

/** A dry run against a chosen contact: what would be sent and changed, without doing it. */
export function TestRunModal({
  ws,
  workflowId,
  graph,
  open,
  onClose,
  published,
}: {
  ws: string;
  workflowId: string;
  graph: Graph;
  open: boolean;
  onClose(): void;
  /** Dry runs use the published version. */
  published: boolean;
}) {
  const { t } = useTranslation(["automation", "translation"]);
  const [query, setQuery] = useState("");
  const q = useDebounced(query, 250);
  const contacts = useContactSearch(ws, q);
  const [contactId, setContactId] = useState<string | null>(null);
  const [runId, setRunId] = useState<string | null>(null);
  const testRun = useTestRun(ws);
  const run = useRunUntilDone(ws, runId);
  const result = run.data ?? null;

  useEffect(() => {
    if (!open) {
      setRunId(null);
      testRun.reset();
    }
    // Only closing clears it; testRun changes identity on every render.
  }, [open]);

  const start = async () => {
    if (!contactId) return;
    setRunId(await testRun.mutateAsync({ workflowId, contactId }));
  };

  return (
    <Modal
      open={open}
      onCancel={onClose}
      title={t("test.title")}
      okText={t("test.run")}
      onOk={() => void start().catch(() => undefined)}
      okButtonProps={{ disabled: !contactId || !published, loading: testRun.isPending }}
      width={640}
      destroyOnHidden
    >
      <Space direction="vertical" style={{ width: "100%" }}>
        <Typography.Paragraph type="secondary">{t("test.help")}</Typography.Paragraph>
        {!published && <Alert type="info" showIcon message={t("test.publishFirst")} />}
        <Select
          aria-label={t("test.contact")}
          placeholder={t("test.contactPlaceholder")}
          showSearch
          filterOption={false}
          onSearch={setQuery}
          loading={contacts.isFetching}
          value={contactId ?? undefined}
          onChange={setContactId}
          options={(contacts.data ?? []).map((c) => ({ value: c.id, label: [c.name, c.email ?? c.phone].filter(Boolean).join(" · ") || c.id }))}
          style={{ width: "100%" }}
        />
        {testRun.isError && <Alert type="error" showIcon message={automationErrorText(t, testRun.error)} />}
        {run.isError && <Alert type="error" showIcon message={automationErrorText(t, run.error)} />}
        {runId && !result && <Spin />}
        {result && (
          <Space direction="vertical" style={{ width: "100%" }} data-testid="test-result">
            <Space>
              <RunStatusTag status={result.state} />
              {(result.reason || result.error) && <Typography.Text type="secondary">{[result.reason, result.error].filter(Boolean).join(" · ")}</Typography.Text>}
            </Space>
            <RunSteps steps={result.steps} graph={graph} />
          </Space>
        )}
      </Space>
    </Modal>
  );
}

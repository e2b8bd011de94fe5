import { DownloadOutlined, InboxOutlined } from "@ant-design/icons";
import { useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Modal, Progress, Space, Spin, Table, Typography, Upload } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { contactKeys, saveBlob, useAttributeDefinitions } from "./api";
import { CSV_COLUMNS, csvTemplate, errorsCsv, MAX_IMPORT_BYTES, summariseImport, type BadRow, type ImportSummary } from "./csv";
import { contactsErrorText, problemDetail } from "./errors";
import { uploadContactsCsv } from "./upload";

type State =
  | { step: "choose" }
  | { step: "uploading"; name: string; percent: number }
  | { step: "processing"; name: string }
  | { step: "done"; name: string; summary: ImportSummary }
  | { step: "failed"; message: string; detail?: string };

function ImportReportView({ summary }: { summary: ImportSummary }) {
  const { t } = useTranslation("contacts");
  return (
    <div data-testid="import-report">
      <Space direction="vertical" style={{ width: "100%" }}>
        <Alert
          type={summary.failed ? "warning" : "success"}
          showIcon
          message={t("import.report", { created: summary.created, updated: summary.updated, failed: summary.failed })}
        />
        {summary.rows.length > 0 && (
          <>
            <div data-testid="import-errors">
              <Table<BadRow>
                size="small"
                rowKey="row"
                dataSource={summary.rows}
                pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
                scroll={{ x: true }}
                columns={[
                  { title: t("import.row"), dataIndex: "row", width: 80 },
                  {
                    title: t("import.reason"),
                    dataIndex: "reasons",
                    render: (reasons: string[]) =>
                      reasons.length === 1 ? (
                        reasons[0]
                      ) : (
                        <ul style={{ margin: 0, paddingInlineStart: 16 }}>
                          {reasons.map((reason) => (
                            <li key={reason}>{reason}</li>
                          ))}
                        </ul>
                      ),
                  },
                ]}
              />
            </div>
            <Button
              icon={<DownloadOutlined />}
              onClick={() => saveBlob(new Blob([errorsCsv(summary.rows)], { type: "text/csv" }), "contacts-import-errors.csv")}
            >
              {t("import.downloadErrors")}
            </Button>
          </>
        )}
      </Space>
    </div>
  );
}

/** Import CSV: choose a file, watch it upload, then read what was created, updated and refused. */
export function ImportModal({ workspaceId, open, onClose }: { workspaceId: string; open: boolean; onClose: () => void }) {
  const { t } = useTranslation(["contacts", "translation"]);
  const queryClient = useQueryClient();
  const definitions = useAttributeDefinitions(workspaceId);
  const [state, setState] = useState<State>({ step: "choose" });
  const abort = useRef<AbortController | null>(null);
  const busy = state.step === "uploading" || state.step === "processing";

  useEffect(() => () => abort.current?.abort(), []);

  const close = () => {
    // Closing mid-upload cancels it; once the server has the whole file it may still finish.
    abort.current?.abort();
    abort.current = null;
    setState({ step: "choose" });
    onClose();
  };

  const start = (file: File) => {
    if (file.size > MAX_IMPORT_BYTES) {
      setState({ step: "failed", message: t("import.tooLarge") });
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setState({ step: "uploading", name: file.name, percent: 0 });
    uploadContactsCsv(
      workspaceId,
      file,
      (phase) => {
        if (controller.signal.aborted) return;
        setState(phase.phase === "uploading" ? { step: "uploading", name: file.name, percent: phase.percent } : { step: "processing", name: file.name });
      },
      controller.signal,
    )
      .then((report) => {
        if (controller.signal.aborted) return;
        setState({ step: "done", name: file.name, summary: summariseImport(report) });
        void queryClient.invalidateQueries({ queryKey: contactKeys.all(workspaceId) });
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) {
          setState({ step: "failed", message: contactsErrorText(t, error), detail: problemDetail(error) });
        }
      });
  };

  const keys = (definitions.data ?? []).map((d) => d.key);
  const columns = [...CSV_COLUMNS, ...keys.map((key) => `attr.${key}`)].join(", ");

  return (
    <Modal
      open={open}
      title={t("import.title")}
      onCancel={close}
      maskClosable={!busy}
      width={640}
      footer={[
        state.step === "done" || state.step === "failed" ? (
          <Button key="again" onClick={() => setState({ step: "choose" })}>
            {t("import.another")}
          </Button>
        ) : null,
        <Button key="close" type={state.step === "done" ? "primary" : "default"} onClick={close}>
          {busy ? t("common.cancel") : t("common.close")}
        </Button>,
      ]}
    >
      <Space direction="vertical" size="middle" style={{ width: "100%" }}>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t("import.help", { columns })}{" "}
          <Button
            type="link"
            size="small"
            icon={<DownloadOutlined />}
            style={{ paddingInline: 0 }}
            onClick={() => saveBlob(new Blob([csvTemplate(keys)], { type: "text/csv" }), "contacts-template.csv")}
          >
            {t("import.template")}
          </Button>
        </Typography.Paragraph>

        {state.step === "choose" && (
          <Upload.Dragger
            accept=".csv,text/csv"
            multiple={false}
            showUploadList={false}
            beforeUpload={(file) => {
              start(file);
              return false; // sent by uploadContactsCsv, with progress and the access token
            }}
          >
            <p className="ant-upload-drag-icon">
              <InboxOutlined />
            </p>
            <p className="ant-upload-text">{t("import.drop")}</p>
            <p className="ant-upload-hint">{t("import.hint")}</p>
          </Upload.Dragger>
        )}

        {state.step === "uploading" && (
          <div role="status" aria-live="polite">
            <Typography.Text>{t("import.uploading", { name: state.name })}</Typography.Text>
            <Progress percent={state.percent} status="active" />
          </div>
        )}

        {state.step === "processing" && (
          <div role="status" aria-live="polite">
            <Space>
              <Spin size="small" />
              <Typography.Text>{t("import.processing", { name: state.name })}</Typography.Text>
            </Space>
            <Progress percent={100} status="active" showInfo={false} />
          </div>
        )}

        {state.step === "failed" && (
          <Alert
            type="error"
            showIcon
            message={state.message}
            description={state.detail}
          />
        )}

        {state.step === "done" && <ImportReportView summary={state.summary} />}
      </Space>
    </Modal>
  );
}

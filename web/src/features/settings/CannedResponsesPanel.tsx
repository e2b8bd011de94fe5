import { DeleteOutlined, EditOutlined, PlusOutlined } from "@ant-design/icons";
import {
  Alert,
  App as AntApp,
  Button,
  Card,
  Empty,
  Form,
  Input,
  Modal,
  Popconfirm,
  Space,
  Table,
  Typography,
  theme,
  type InputRef,
} from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/client";
import { useMe } from "../../session";
import { relativeTime } from "../../time";
import {
  BODY_MAX,
  TITLE_MAX,
  cannedBody,
  cannedPatch,
  checkCanned,
  normaliseShortcut,
  useCannedResponseActions,
  useCannedResponses,
  type CannedResponse,
  type CannedResponseIn,
} from "./cannedResponses";
import { settingsErrorText } from "./errors";

const forbidden = (error: unknown) => error instanceof ApiError && error.problem.status === 403;

function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** What the composer will insert, as the agent will see it. */
function Preview({ shortcut, body }: { shortcut: string; body: string }) {
  const { t } = useTranslation("settings");
  const { token } = theme.useToken();
  return (
    <div aria-live="polite">
      <Typography.Text type="secondary">
        {t("canned.previewLabel", { shortcut: `/${normaliseShortcut(shortcut) || "…"}` })}
      </Typography.Text>
      <div
        style={{
          marginTop: 4,
          padding: "8px 12px",
          borderRadius: token.borderRadius,
          background: token.colorFillTertiary,
          border: `1px solid ${token.colorBorderSecondary}`,
          whiteSpace: "pre-wrap",
          wordBreak: "break-word",
          minHeight: 40,
        }}
      >
        {body.trim() || <Typography.Text type="secondary">{t("canned.previewEmpty")}</Typography.Text>}
      </div>
    </div>
  );
}

type Editing = { mode: "create" } | { mode: "edit"; item: CannedResponse };

function EditDialog({
  workspaceId,
  editing,
  onClose,
  onForbidden,
}: {
  workspaceId: string;
  editing: Editing | null;
  onClose(): void;
  onForbidden(): void;
}) {
  const { t } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const { create, update } = useCannedResponseActions(workspaceId);
  const [form] = Form.useForm<CannedResponseIn>();
  const shortcut = Form.useWatch("shortcut", form) ?? "";
  const body = Form.useWatch("body", form) ?? "";
  const [failure, setFailure] = useState<unknown>(null);
  const pending = create.isPending || update.isPending;
  const shortcutInput = useRef<InputRef>(null);

  useEffect(() => {
    setFailure(null);
    if (editing?.mode === "edit") form.setFieldsValue(editing.item);
    else form.resetFields();
  }, [editing, form]);

  const fail = (error: unknown) => {
    if (error instanceof ApiError && error.code === "canned_responses.shortcut_taken") {
      form.setFields([{ name: "shortcut", errors: [t("errors.canned_responses.shortcut_taken")] }]);
      return;
    }
    if (forbidden(error)) {
      // The panel turns read-only and says why; the dialog has nothing more to offer.
      void message.error(settingsErrorText(t, error));
      onForbidden();
      return;
    }
    setFailure(error);
  };

  const save = (values: CannedResponseIn) => {
    if (editing?.mode === "edit") {
      const patch = cannedPatch(editing.item, values);
      if (Object.keys(patch).length === 0) return onClose();
      update.mutate(
        { id: editing.item.id, body: patch },
        { onSuccess: () => (void message.success(t("canned.saved")), onClose()), onError: fail },
      );
    } else {
      create.mutate(cannedBody(values), {
        onSuccess: () => (void message.success(t("canned.saved")), onClose()),
        onError: fail,
      });
    }
  };

  // One rule for every field, from the same checks the tests cover.
  const rule = (field: keyof CannedResponseIn) => ({
    validator: async () => {
      const problem = checkCanned(form.getFieldsValue(true) as CannedResponseIn)[field];
      if (problem) throw new Error(t(`canned.invalid.${field === "shortcut" && problem === "format" ? "shortcutFormat" : problem}`));
    },
  });

  return (
    <Modal
      open={editing !== null}
      title={editing?.mode === "edit" ? t("canned.editTitle") : t("canned.create")}
      onCancel={onClose}
      onOk={() => form.submit()}
      okText={t("canned.save")}
      cancelText={t("common.cancel")}
      confirmLoading={pending}
      maskClosable={false}
      forceRender
      afterOpenChange={(open) => open && shortcutInput.current?.focus()}
    >
      <Form form={form} layout="vertical" requiredMark={false} onFinish={save}>
        {failure !== null && (
          <Alert type="error" showIcon message={settingsErrorText(t, failure)} style={{ marginBottom: 16 }} />
        )}
        <Form.Item
          name="shortcut"
          label={t("canned.shortcut")}
          extra={t("canned.shortcutHelp")}
          rules={[rule("shortcut")]}
          normalize={(value: string) => value.replace(/^\/+/, "").toLowerCase()}
        >
          <Input
            prefix="/"
            ref={shortcutInput}
            maxLength={32}
            autoComplete="off"
            spellCheck={false}
            onPressEnter={() => form.submit()}
          />
        </Form.Item>
        <Form.Item name="title" label={t("canned.titleLabel")} rules={[rule("title")]}>
          <Input maxLength={TITLE_MAX} onPressEnter={() => form.submit()} />
        </Form.Item>
        <Form.Item name="body" label={t("canned.body")} rules={[rule("body")]}>
          <Input.TextArea autoSize={{ minRows: 4, maxRows: 12 }} maxLength={BODY_MAX} showCount />
        </Form.Item>
        <Preview shortcut={shortcut} body={body} />
      </Form>
    </Modal>
  );
}

/** Settings → Canned responses: saved replies agents insert with `/shortcut` in the composer. */
export function CannedResponsesPanel({ workspaceId }: { workspaceId: string }) {
  const { t, i18n } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const me = useMe();
  const [search, setSearch] = useState("");
  const q = useDebounced(search, 250);
  const list = useCannedResponses(workspaceId, q);
  const { remove } = useCannedResponseActions(workspaceId);
  const [editing, setEditing] = useState<Editing | null>(null);
  const [denied, setDenied] = useState(false);
  const role = me.data?.workspaces.find((w) => w.id === workspaceId)?.role;
  // Admins and owners manage them (workspace.manage); a 403 says so too, should roles change.
  const readOnly = (role !== undefined && role !== "owner" && role !== "admin") || denied;

  const fail = (error: unknown) => {
    if (forbidden(error)) setDenied(true);
    void message.error(settingsErrorText(t, error));
  };

  return (
    <Card
      title={t("canned.title")}
      extra={
        !readOnly && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing({ mode: "create" })}>
            {t("canned.create")}
          </Button>
        )
      }
    >
      <Space direction="vertical" size="middle" style={{ width: "100%" }}>
        <Typography.Text type="secondary">{t("canned.intro")}</Typography.Text>
        {readOnly && <Alert type="info" showIcon message={t("canned.readOnly")} />}
        <Input.Search
          allowClear
          value={search}
          onChange={(event) => setSearch(event.target.value)}
          maxLength={200}
          placeholder={t("canned.search")}
          aria-label={t("canned.search")}
          style={{ maxWidth: 360 }}
        />
        {list.isError &&
          (forbidden(list.error) ? (
            <Alert type="info" showIcon message={t("canned.listForbidden")} />
          ) : (
            <Alert type="error" showIcon message={settingsErrorText(t, list.error)} />
          ))}
        <Table<CannedResponse>
          rowKey="id"
          loading={list.isPending || list.isPlaceholderData}
          dataSource={list.data ?? []}
          pagination={{ pageSize: 20, hideOnSinglePage: true }}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: <Empty description={q ? t("canned.noMatch") : t("canned.empty")} /> }}
          columns={[
            {
              title: t("canned.shortcut"),
              dataIndex: "shortcut",
              render: (shortcut: string) => <Typography.Text code>{`/${shortcut}`}</Typography.Text>,
            },
            { title: t("canned.titleLabel"), dataIndex: "title" },
            {
              title: t("canned.body"),
              dataIndex: "body",
              render: (body: string) => (
                <Typography.Paragraph type="secondary" ellipsis={{ rows: 2, tooltip: body }} style={{ maxWidth: 360, marginBottom: 0 }}>
                  {body}
                </Typography.Paragraph>
              ),
            },
            {
              title: t("canned.updated"),
              dataIndex: "updated_at",
              render: (at: string) => relativeTime(at, i18n.language),
            },
            ...(readOnly
              ? []
              : [
                  {
                    key: "actions",
                    align: "right" as const,
                    render: (_: unknown, item: CannedResponse) => (
                      <Space>
                        <Button
                          size="small"
                          icon={<EditOutlined />}
                          aria-label={t("canned.editOf", { shortcut: item.shortcut })}
                          onClick={() => setEditing({ mode: "edit", item })}
                        />
                        <Popconfirm
                          title={t("canned.deleteTitle", { shortcut: item.shortcut })}
                          okText={t("canned.delete")}
                          okButtonProps={{ danger: true }}
                          cancelText={t("common.cancel")}
                          onConfirm={() => remove.mutateAsync(item.id).catch(fail)}
                        >
                          <Button
                            danger
                            size="small"
                            icon={<DeleteOutlined />}
                            aria-label={t("canned.deleteTitle", { shortcut: item.shortcut })}
                          />
                        </Popconfirm>
                      </Space>
                    ),
                  },
                ]),
          ]}
        />
      </Space>
      <EditDialog
        workspaceId={workspaceId}
        editing={editing}
        onClose={() => setEditing(null)}
        onForbidden={() => {
          setDenied(true);
          setEditing(null);
        }}
      />
    </Card>
  );
}

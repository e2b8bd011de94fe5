import { KeyOutlined, PlusOutlined } from "@ant-design/icons";
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
  Radio,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ApiError } from "../../api/client";
import { relativeTime } from "../../time";
import {
  EXPIRY_DAYS,
  SCOPES,
  apiKeyBody,
  apiKeyState,
  sortApiKeys,
  useApiKeyActions,
  useApiKeys,
  type ApiKey,
  type ApiKeyCreated,
  type ApiKeyValues,
  type Scope,
} from "./apiKeys";
import { settingsErrorText } from "./errors";

const STATE_COLOURS = { active: "green", expired: "orange", revoked: "default" } as const;

/** The key's secret, shown once with a warning, then gone for good. */
function SecretOnce({ created }: { created: ApiKeyCreated }) {
  const { t } = useTranslation("settings");
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Alert type="warning" showIcon message={t("apiKeys.secretOnce")} />
      <Typography.Paragraph
        copyable={{ text: created.key, tooltips: [t("apiKeys.copy"), t("apiKeys.copied")] }}
        code
        style={{ wordBreak: "break-all", marginBottom: 0 }}
        aria-label={t("apiKeys.secretLabel")}
      >
        {created.key}
      </Typography.Paragraph>
      <Typography.Text type="secondary">{t("apiKeys.usage")}</Typography.Text>
    </Space>
  );
}

function CreateDialog({ workspaceId, open, onClose }: { workspaceId: string; open: boolean; onClose(): void }) {
  const { t } = useTranslation(["settings", "translation"]);
  const { create } = useApiKeyActions(workspaceId);
  const [form] = Form.useForm<ApiKeyValues>();
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  const close = () => {
    // Forget the secret with the dialog: it must not be shown a second time.
    setCreated(null);
    create.reset();
    form.resetFields();
    onClose();
  };

  return (
    <Modal
      open={open}
      title={created ? t("apiKeys.createdTitle", { name: created.name }) : t("apiKeys.create")}
      onCancel={close}
      maskClosable={!created}
      destroyOnClose
      footer={
        created ? (
          <Button type="primary" onClick={close}>
            {t("apiKeys.done")}
          </Button>
        ) : (
          <Space>
            <Button onClick={close}>{t("common.cancel")}</Button>
            <Button type="primary" loading={create.isPending} onClick={() => form.submit()}>
              {t("apiKeys.createSubmit")}
            </Button>
          </Space>
        )
      }
    >
      {created ? (
        <SecretOnce created={created} />
      ) : (
        <Form
          form={form}
          layout="vertical"
          requiredMark={false}
          initialValues={{ scope: "read", expiresInDays: 0 }}
          onFinish={(values) => create.mutate(apiKeyBody(values), { onSuccess: setCreated })}
        >
          {create.isError && (
            <Alert type="error" showIcon message={settingsErrorText(t, create.error)} style={{ marginBottom: 16 }} />
          )}
          <Form.Item
            name="name"
            label={t("apiKeys.name")}
            rules={[
              { required: true, whitespace: true, message: t("apiKeys.invalid.required") },
              { max: 200, message: t("apiKeys.invalid.tooLong") },
            ]}
          >
            <Input autoFocus placeholder={t("apiKeys.namePlaceholder")} />
          </Form.Item>
          <Form.Item name="scope" label={t("apiKeys.access")}>
            <Radio.Group>
              <Space direction="vertical">
                {SCOPES.map((scope) => (
                  <Radio key={scope} value={scope}>
                    <Typography.Text strong>{t(`apiKeys.scope.${scope}`)}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{t(`apiKeys.scopeHelp.${scope}`)}</Typography.Text>
                  </Radio>
                ))}
              </Space>
            </Radio.Group>
          </Form.Item>
          <Form.Item name="expiresInDays" label={t("apiKeys.expiry")}>
            <Select
              aria-label={t("apiKeys.expiry")}
              options={EXPIRY_DAYS.map((days) => ({
                value: days,
                label: days ? t("apiKeys.expiresInDays", { count: days }) : t("apiKeys.neverExpires"),
              }))}
            />
          </Form.Item>
        </Form>
      )}
    </Modal>
  );
}

/** Settings → API keys: keys that let other systems use this workspace's API. */
export function ApiKeysPanel({ workspaceId }: { workspaceId: string }) {
  const { t, i18n } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const keys = useApiKeys(workspaceId);
  const { revoke } = useApiKeyActions(workspaceId);
  const [creating, setCreating] = useState(false);
  const when = (iso: string | null) => (iso ? relativeTime(iso, i18n.language) : t("apiKeys.never"));
  const forbidden = keys.error instanceof ApiError && keys.error.problem.status === 403;

  if (forbidden) {
    return (
      <Card title={t("apiKeys.title")}>
        <Alert type="info" showIcon message={t("apiKeys.forbidden")} />
      </Card>
    );
  }

  return (
    <Card
      title={t("apiKeys.title")}
      extra={
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t("apiKeys.create")}
        </Button>
      }
    >
      <Space direction="vertical" size="large" style={{ width: "100%" }}>
        <Typography.Text type="secondary">
          {t("apiKeys.intro")} <Typography.Text code>Authorization: Bearer …</Typography.Text>
        </Typography.Text>
        {keys.isError && <Alert type="error" showIcon message={settingsErrorText(t, keys.error)} />}
        <Table<ApiKey>
          rowKey="id"
          loading={keys.isPending}
          dataSource={sortApiKeys(keys.data ?? [])}
          pagination={false}
          scroll={{ x: "max-content" }}
          locale={{ emptyText: <Empty image={<KeyOutlined style={{ fontSize: 32 }} />} description={t("apiKeys.empty")} /> }}
          columns={[
            { title: t("apiKeys.name"), dataIndex: "name" },
            {
              title: t("apiKeys.key"),
              dataIndex: "prefix",
              render: (prefix: string) => <Typography.Text code>{`${prefix}…`}</Typography.Text>,
            },
            {
              title: t("apiKeys.access"),
              dataIndex: "scopes",
              render: (scopes: Scope[]) => scopes.map((scope) => <Tag key={scope}>{t(`apiKeys.scope.${scope}`)}</Tag>),
            },
            {
              title: t("apiKeys.status"),
              key: "state",
              render: (_, apiKey) => {
                const state = apiKeyState(apiKey);
                return <Tag color={STATE_COLOURS[state]}>{t(`apiKeys.state.${state}`)}</Tag>;
              },
            },
            { title: t("apiKeys.created"), dataIndex: "created_at", render: when },
            { title: t("apiKeys.lastUsed"), dataIndex: "last_used_at", render: when },
            {
              title: t("apiKeys.expires"),
              dataIndex: "expires_at",
              render: (at: string | null) => (at ? relativeTime(at, i18n.language) : t("apiKeys.neverExpires")),
            },
            {
              key: "revoke",
              align: "right",
              render: (_, apiKey) =>
                apiKeyState(apiKey) === "active" && (
                  <Popconfirm
                    title={t("apiKeys.revokeTitle", { name: apiKey.name })}
                    description={t("apiKeys.revokeBody")}
                    okText={t("apiKeys.revoke")}
                    okButtonProps={{ danger: true }}
                    cancelText={t("common.cancel")}
                    onConfirm={() =>
                      revoke
                        .mutateAsync(apiKey.id)
                        .then(() => void message.success(t("apiKeys.revoked", { name: apiKey.name })))
                        .catch((error: unknown) => void message.error(settingsErrorText(t, error)))
                    }
                  >
                    <Button danger size="small" aria-label={t("apiKeys.revokeTitle", { name: apiKey.name })}>
                      {t("apiKeys.revoke")}
                    </Button>
                  </Popconfirm>
                ),
            },
          ]}
        />
      </Space>
      <CreateDialog workspaceId={workspaceId} open={creating} onClose={() => setCreating(false)} />
    </Card>
  );
}

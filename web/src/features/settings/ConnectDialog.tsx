import { Alert, Badge, Button, Collapse, Descriptions, Form, Input, Modal, Radio, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { Schemas } from "../../api/client";
import { useChannelActions } from "./api";
import { settingsErrorText } from "./errors";
import {
  checkTelegram,
  checkWhatsApp,
  telegramBody,
  whatsappBody,
  type FormProblems,
  type TelegramValues,
  type WhatsAppValues,
} from "./forms";
import { channelHealth } from "./health";

export type ConnectKind = "telegram" | "whatsapp_cloud";

interface Created {
  channel: Schemas["ChannelCreatedOut"];
  /** What the user typed, shown again once to paste into Meta's console; the API masks it. */
  verifyToken: string | null;
}

/** Connect a Telegram bot or a WhatsApp Cloud number; then show how it went and what to paste where. */
export function ConnectDialog({ workspaceId, kind, onClose }: { workspaceId: string; kind: ConnectKind; onClose: () => void }) {
  const { t } = useTranslation(["settings", "translation"]);
  const { create } = useChannelActions(workspaceId);
  const [form] = Form.useForm();
  const [created, setCreated] = useState<Created | null>(null);

  function showProblems(problems: FormProblems): boolean {
    const fields = Object.entries(problems).map(([name, problem]) => ({
      name,
      errors: [t(`connect.invalid.${name}.${problem}`, { defaultValue: t(`connect.invalid.${problem}`) })],
    }));
    form.setFields(fields);
    return fields.length > 0;
  }

  function submit(values: TelegramValues | WhatsAppValues) {
    if (kind === "telegram") {
      const telegram = values as TelegramValues;
      if (showProblems(checkTelegram(telegram))) return;
      create.mutate(telegramBody(telegram), { onSuccess: (channel) => setCreated({ channel, verifyToken: null }) });
    } else {
      const whatsapp = values as WhatsAppValues;
      if (showProblems(checkWhatsApp(whatsapp))) return;
      const body = whatsappBody(whatsapp);
      create.mutate(body, { onSuccess: (channel) => setCreated({ channel, verifyToken: body.verify_token }) });
    }
  }

  const title = t(`connect.title.${kind}`);
  if (created) {
    return (
      <Modal open title={title} onCancel={onClose} footer={<Button type="primary" onClick={onClose}>{t("connect.done")}</Button>}>
        <CreatedView created={created} />
      </Modal>
    );
  }

  return (
    <Modal
      open
      title={title}
      onCancel={onClose}
      okText={t("connect.submit")}
      cancelText={t("common.cancel")}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {create.isError && <Alert type="error" showIcon message={settingsErrorText(t, create.error)} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        requiredMark
        initialValues={kind === "telegram" ? { mode: "webhook" } : {}}
        onFinish={submit}
        autoComplete="off"
      >
        <Form.Item name="name" label={t("connect.name")} required>
          <Input autoFocus placeholder={t(`connect.namePlaceholder.${kind}`)} maxLength={200} />
        </Form.Item>
        {kind === "telegram" ? <TelegramFields /> : <WhatsAppFields />}
        <Collapse
          ghost
          size="small"
          items={[
            {
              key: "advanced",
              label: t("connect.advanced"),
              forceRender: true,
              children: (
                <Form.Item name="api_base_url" label={t("connect.apiBaseUrl")} extra={t(`connect.apiBaseUrlHelp.${kind}`)}>
                  <Input inputMode="url" placeholder={kind === "telegram" ? "https://api.telegram.org" : "https://graph.facebook.com/v23.0"} />
                </Form.Item>
              ),
            },
          ]}
        />
      </Form>
    </Modal>
  );
}

function TelegramFields() {
  const { t } = useTranslation("settings");
  const mode = Form.useWatch<TelegramValues["mode"] | undefined>("mode");
  return (
    <>
      <Form.Item name="bot_token" label={t("connect.botToken")} extra={t("connect.botTokenHelp")} required>
        <Input.Password placeholder="123456789:AA…" autoComplete="off" />
      </Form.Item>
      <Form.Item name="mode" label={t("connect.mode")}>
        <Radio.Group
          optionType="button"
          options={[
            { value: "webhook", label: t("channels.mode.webhook") },
            { value: "polling", label: t("channels.mode.polling") },
          ]}
        />
      </Form.Item>
      <Alert type="info" showIcon message={t(mode === "polling" ? "connect.pollingHelp" : "connect.webhookHelp")} />
    </>
  );
}

function WhatsAppFields() {
  const { t } = useTranslation("settings");
  return (
    <>
      <Form.Item name="phone_number_id" label={t("connect.phoneNumberId")} extra={t("connect.phoneNumberIdHelp")} required>
        <Input inputMode="numeric" />
      </Form.Item>
      <Form.Item name="access_token" label={t("connect.accessToken")} required>
        <Input.Password autoComplete="off" />
      </Form.Item>
      <Form.Item name="app_secret" label={t("connect.appSecret")} extra={t("connect.appSecretHelp")} required>
        <Input.Password autoComplete="off" />
      </Form.Item>
      <Form.Item name="verify_token" label={t("connect.verifyToken")} extra={t("connect.verifyTokenHelp")} required>
        <Input autoComplete="off" />
      </Form.Item>
      <Form.Item name="business_account_id" label={t("connect.businessAccountId")} extra={t("connect.businessAccountIdHelp")}>
        <Input inputMode="numeric" />
      </Form.Item>
    </>
  );
}

function CreatedView({ created }: { created: Created }) {
  const { t } = useTranslation("settings");
  const { channel, verifyToken } = created;
  const health = channelHealth(channel);
  const webhookUrl = typeof channel.config.webhook_url === "string" ? channel.config.webhook_url : null;
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Space>
        <Typography.Text strong>{channel.name}</Typography.Text>
        <Badge status={health.badge} text={t(`channels.state.${health.state}`)} />
      </Space>
      {health.lastError && <Alert type="warning" showIcon message={t("connect.providerFailed")} description={health.lastError} />}
      {channel.type === "whatsapp_cloud" && (
        <>
          <Typography.Paragraph>{t("connect.metaSteps")}</Typography.Paragraph>
          <Descriptions column={1} bordered size="small">
            <Descriptions.Item label={t("channels.webhookUrl")}>
              {webhookUrl ? <Typography.Text copyable>{webhookUrl}</Typography.Text> : "—"}
            </Descriptions.Item>
            <Descriptions.Item label={t("connect.verifyToken")}>
              {verifyToken ? <Typography.Text copyable code>{verifyToken}</Typography.Text> : "—"}
            </Descriptions.Item>
          </Descriptions>
          <Typography.Text type="secondary">{t("connect.verifyTokenOnce")}</Typography.Text>
        </>
      )}
      {channel.type === "telegram" && health.state === "connected" && (
        <Typography.Paragraph>{t(channel.mode === "polling" ? "connect.telegramPolling" : "connect.telegramWebhook")}</Typography.Paragraph>
      )}
    </Space>
  );
}

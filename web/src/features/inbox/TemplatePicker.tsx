import { SendOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Input, Select, Space, Typography, theme } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, unwrap } from "../../api/client";
import { messagesKey, upsertMessage, type MessagesPage } from "./cache";
import { sendErrorText } from "./composerErrors";
import {
  componentText,
  fillTemplate,
  paramCount,
  paramsComplete,
  sendable,
  templateMessage,
  type TemplateOut,
} from "./composerTemplates";

/** Outside WhatsApp's 24-hour window: choose an approved template, fill its parameters, send. */
export function TemplatePicker({
  workspaceId,
  conversationId,
  channelId,
}: {
  workspaceId: string;
  conversationId: string;
  channelId: string;
}) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const queryClient = useQueryClient();
  const [templateId, setTemplateId] = useState<string>();
  const [header, setHeader] = useState<string[]>([]);
  const [body, setBody] = useState<string[]>([]);

  const templates = useQuery({
    queryKey: ["inbox-templates", workspaceId, channelId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/channels/{channel_id}/templates", {
          params: { path: { workspace_id: workspaceId, channel_id: channelId }, query: { limit: 100 } },
        }),
      ).items.filter(sendable),
  });
  const template = templates.data?.find((x) => x.id === templateId);
  const texts = useMemo(
    () => (template ? { header: componentText(template, "header"), body: componentText(template, "body") } : null),
    [template],
  );
  // The server's counts decide; the text's placeholders are the fallback for older answers.
  const headerCount = template ? (template.header_params ?? paramCount(texts?.header ?? "")) : 0;
  const bodyCount = template ? (template.body_params ?? paramCount(texts?.body ?? "")) : 0;

  const send = useMutation({
    mutationFn: async (chosen: TemplateOut) =>
      unwrap(
        await api.POST("/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}/messages", {
          params: { path: { workspace_id: workspaceId, conversation_id: conversationId } },
          body: templateMessage(chosen, header.slice(0, headerCount), body.slice(0, bodyCount)),
        }),
      ),
    onSuccess: (message) => {
      queryClient.setQueryData<MessagesPage>(messagesKey(workspaceId, conversationId), (page) => upsertMessage(page, message));
      setTemplateId(undefined);
      setHeader([]);
      setBody([]);
    },
  });

  const ready = template && paramsComplete(header, headerCount) && paramsComplete(body, bodyCount);
  const field = (values: string[], set: (v: string[]) => void, count: number, label: "headerParam" | "bodyParam") =>
    Array.from({ length: count }, (_, i) => (
      <Input
        key={`${label}-${i}`}
        size="small"
        value={values[i] ?? ""}
        onChange={(e) => {
          const next = [...values];
          next[i] = e.target.value;
          set(next);
        }}
        addonBefore={`{{${i + 1}}}`}
        placeholder={t(`composer2.${label}`, { n: i + 1 })}
        aria-label={t(`composer2.${label}`, { n: i + 1 })}
      />
    ));

  return (
    <div data-testid="template-picker" style={{ display: "flex", flexDirection: "column", gap: 8 }}>
      {templates.isError && <Alert type="error" showIcon message={sendErrorText(t, templates.error)} />}
      {send.isError && (
        <Alert type="error" showIcon closable onClose={() => send.reset()} message={sendErrorText(t, send.error)} data-testid="send-error" />
      )}
      <Select
        value={templateId}
        onChange={(id: string) => {
          setTemplateId(id);
          setHeader([]);
          setBody([]);
        }}
        loading={templates.isPending}
        placeholder={t("composer2.chooseTemplate")}
        aria-label={t("composer2.chooseTemplate")}
        notFoundContent={t("composer2.noTemplates")}
        options={(templates.data ?? []).map((x) => ({ value: x.id, label: `${x.name} (${x.language})` }))}
        style={{ width: "100%" }}
        showSearch
        optionFilterProp="label"
      />
      {template && texts && (
        <>
          {(headerCount > 0 || bodyCount > 0) && (
            <Space direction="vertical" size={4} style={{ width: "100%" }}>
              {field(header, setHeader, headerCount, "headerParam")}
              {field(body, setBody, bodyCount, "bodyParam")}
            </Space>
          )}
          <div
            aria-label={t("composer2.preview")}
            data-testid="template-preview"
            style={{
              padding: "8px 12px",
              borderRadius: token.borderRadiusLG,
              background: token.colorPrimaryBg,
              whiteSpace: "pre-wrap",
            }}
          >
            <Typography.Text type="secondary" style={{ fontSize: 12, display: "block" }}>
              {t("composer2.preview")}
            </Typography.Text>
            {texts.header && <Typography.Text strong style={{ display: "block" }}>{fillTemplate(texts.header, header)}</Typography.Text>}
            <Typography.Text>{fillTemplate(texts.body, body) || template.name}</Typography.Text>
          </div>
        </>
      )}
      <div style={{ display: "flex", justifyContent: "flex-end" }}>
        <Button
          type="primary"
          icon={<SendOutlined />}
          disabled={!ready}
          loading={send.isPending}
          onClick={() => template && send.mutate(template)}
        >
          {t("composer2.sendTemplate")}
        </Button>
      </div>
    </div>
  );
}

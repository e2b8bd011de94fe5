import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, Descriptions, Empty, List, Spin, Tag, Typography, theme } from "antd";
import type { CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { api, unwrap, type Schemas } from "../api/client";
import { errorText } from "../errors";
import { relativeTime } from "../time";

type Conversation = Schemas["ConversationView"];
type Message = Schemas["MessageOut"];

const STATUS_COLOURS: Record<Conversation["status"], string> = {
  open: "blue",
  pending: "gold",
  snoozed: "purple",
  resolved: "green",
};

/** Three panes: conversations, the selected conversation's messages, its details. No realtime yet. */
export function Inbox() {
  const { t } = useTranslation();
  const { workspaceId = "", conversationId } = useParams();
  const { token } = theme.useToken();
  const conversations = useQuery({
    queryKey: ["conversations", workspaceId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/conversations", {
          params: { path: { workspace_id: workspaceId }, query: { limit: 50 } },
        }),
      ),
  });
  const selected = conversations.data?.items.find((c) => c.id === conversationId);
  const pane: CSSProperties = { overflowY: "auto", borderRight: `1px solid ${token.colorBorderSecondary}` };

  return (
    <div style={{ display: "flex", height: "100%" }}>
      <section aria-label={t("inbox.conversations")} style={{ ...pane, width: 320, flexShrink: 0 }}>
        {conversations.isPending ? (
          <Spin style={{ display: "block", margin: 32 }} />
        ) : conversations.isError ? (
          <Alert type="error" style={{ margin: 16 }} message={errorText(t, conversations.error)} />
        ) : (
          <ConversationList items={conversations.data.items} selectedId={conversationId} />
        )}
      </section>
      <section style={{ ...pane, flex: 1, minWidth: 0, background: token.colorBgLayout }}>
        {conversationId ? (
          <Messages workspaceId={workspaceId} conversationId={conversationId} />
        ) : (
          <Empty style={{ marginTop: 96 }} description={t("inbox.selectOne")} />
        )}
      </section>
      <aside aria-label={t("inbox.details")} style={{ width: 280, flexShrink: 0, padding: 16, overflowY: "auto" }}>
        {selected && <Details conversation={selected} />}
      </aside>
    </div>
  );
}

function ConversationList({ items, selectedId }: { items: Conversation[]; selectedId?: string }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const { workspaceId = "" } = useParams();
  const { token } = theme.useToken();
  return (
    <List
      dataSource={items}
      locale={{ emptyText: <Empty description={t("inbox.empty")} /> }}
      renderItem={(c) => (
        <List.Item
          onClick={() => navigate(`/w/${workspaceId}/inbox/${c.id}`)}
          style={{
            cursor: "pointer",
            padding: "12px 16px",
            background: c.id === selectedId ? token.controlItemBgActive : undefined,
          }}
        >
          <List.Item.Meta
            title={
              <span style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
                <Tag color={STATUS_COLOURS[c.status]}>{t(`conversationStatus.${c.status}`)}</Tag>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {relativeTime(c.last_activity_at, i18n.language)}
                </Typography.Text>
              </span>
            }
            description={
              <span style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
                <Typography.Text ellipsis>{c.last_message_preview ?? ""}</Typography.Text>
                <Badge count={c.unread_count ?? 0} />
              </span>
            }
          />
        </List.Item>
      )}
    />
  );
}

function Messages({ workspaceId, conversationId }: { workspaceId: string; conversationId: string }) {
  const { t } = useTranslation();
  const messages = useQuery({
    queryKey: ["messages", workspaceId, conversationId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}/messages", {
          params: { path: { workspace_id: workspaceId, conversation_id: conversationId } },
        }),
      ),
  });
  if (messages.isPending) return <Spin style={{ display: "block", margin: 32 }} />;
  if (messages.isError) return <Alert type="error" style={{ margin: 16 }} message={errorText(t, messages.error)} />;
  if (messages.data.items.length === 0) return <Empty style={{ marginTop: 96 }} description={t("inbox.noMessages")} />;
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 8, padding: 16 }}>
      {messages.data.items.map((m) => (
        <Bubble key={m.id} message={m} />
      ))}
    </div>
  );
}

function Bubble({ message }: { message: Message }) {
  const { t, i18n } = useTranslation();
  const { token } = theme.useToken();
  const note = message.type === "note";
  const outgoing = message.direction !== "in";
  const background = note ? token.colorWarningBg : outgoing ? token.colorPrimaryBg : token.colorBgContainer;
  return (
    <div
      style={{
        alignSelf: outgoing ? "flex-end" : "flex-start",
        maxWidth: "70%",
        padding: "8px 12px",
        borderRadius: token.borderRadiusLG,
        background,
        boxShadow: token.boxShadowTertiary,
      }}
    >
      {note && <Typography.Text type="warning" style={{ fontSize: 12 }}>{t("inbox.note")}</Typography.Text>}
      <Typography.Paragraph style={{ margin: 0, whiteSpace: "pre-wrap" }}>
        {message.text ?? t("inbox.noText", { type: message.type })}
      </Typography.Paragraph>
      <Typography.Text type="secondary" style={{ fontSize: 11 }}>
        {relativeTime(message.created_at, i18n.language)}
      </Typography.Text>
    </div>
  );
}

function Details({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  return (
    <Descriptions
      title={t("inbox.details")}
      column={1}
      size="small"
      items={[
        { key: "status", label: t("inbox.status"), children: t(`conversationStatus.${conversation.status}`) },
        { key: "priority", label: t("inbox.priority"), children: t(`priority.${conversation.priority}`) },
        {
          key: "labels",
          label: t("inbox.labels"),
          children: conversation.labels?.length ? conversation.labels.map((l) => <Tag key={l}>{l}</Tag>) : t("inbox.none"),
        },
      ]}
    />
  );
}

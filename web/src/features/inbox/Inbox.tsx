import { useQuery } from "@tanstack/react-query";
import { Alert, Badge, Button, Descriptions, Empty, List, Spin, Tag, Typography, theme } from "antd";
import type { CSSProperties } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useParams } from "react-router";

import { api, unwrap } from "../../api/client";
import { errorText } from "../../errors";
import { useMe } from "../../session";
import { relativeTime } from "../../time";
import { conversationsKey, type Conversation } from "./cache";
import { ChatPane } from "./ChatPane";
import { RealtimeContext, useRealtimeConnection, type InboxRealtime } from "./useRealtime";

const STATUS_COLOURS: Record<Conversation["status"], string> = {
  open: "blue",
  pending: "gold",
  snoozed: "purple",
  resolved: "green",
};

/** Three panes, live: conversations, the selected conversation's chat, its details. */
export function Inbox() {
  const { t } = useTranslation(["inbox", "translation"]);
  const { workspaceId = "", conversationId } = useParams();
  const { token } = theme.useToken();
  const realtime = useRealtimeConnection(workspaceId, conversationId);
  const conversations = useQuery({
    queryKey: conversationsKey(workspaceId),
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/conversations", {
          params: { path: { workspace_id: workspaceId }, query: { limit: 50 } },
        }),
      ),
  });
  const listed = conversations.data?.items.find((c) => c.id === conversationId);
  // A conversation beyond the first page (a link) is fetched on its own.
  const single = useQuery({
    queryKey: ["conversation", workspaceId, conversationId],
    enabled: !!conversationId && conversations.isSuccess && !listed,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}", {
          params: { path: { workspace_id: workspaceId, conversation_id: conversationId ?? "" } },
        }),
      ),
  });
  const selected = listed ?? single.data;
  const pane: CSSProperties = { overflowY: "auto", borderRight: `1px solid ${token.colorBorderSecondary}` };

  return (
    <RealtimeContext.Provider value={realtime}>
      <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
        <ConnectionBanner realtime={realtime} />
        <div style={{ display: "flex", flex: 1, minHeight: 0 }}>
          <section aria-label={t("conversations")} style={{ ...pane, width: 320, flexShrink: 0 }}>
            {conversations.isPending ? (
              <Spin style={{ display: "block", margin: 32 }} />
            ) : conversations.isError ? (
              <Alert type="error" style={{ margin: 16 }} message={errorText(t, conversations.error)} />
            ) : (
              <ConversationList items={conversations.data.items} selectedId={conversationId} />
            )}
          </section>
          <section style={{ ...pane, flex: 1, minWidth: 0, overflowY: "hidden", background: token.colorBgLayout }}>
            {selected ? (
              <ChatPane key={selected.id} workspaceId={workspaceId} conversation={selected} />
            ) : conversationId && (conversations.isPending || single.isPending) ? (
              <Spin style={{ display: "block", margin: 32 }} />
            ) : (
              <Empty style={{ marginTop: 96 }} description={t("selectOne")} />
            )}
          </section>
          <aside aria-label={t("details")} style={{ width: 280, flexShrink: 0, padding: 16, overflowY: "auto" }}>
            {selected && <Details conversation={selected} />}
          </aside>
        </div>
      </div>
    </RealtimeContext.Provider>
  );
}

/** Visible while the live connection is down; the inbox keeps showing what it has. */
function ConnectionBanner({ realtime }: { realtime: InboxRealtime }) {
  const { t } = useTranslation("inbox");
  if (realtime.state === "reconnecting") {
    return (
      <Alert
        type="warning"
        banner
        role="status"
        data-testid="offline-banner"
        message={t("offline")}
        action={
          <Button size="small" onClick={() => realtime.client?.retryNow()}>
            {t("reconnectNow")}
          </Button>
        }
      />
    );
  }
  if (realtime.state === "unauthorized") return <Alert type="error" banner message={t("signedOut")} />;
  return null;
}

function ConversationList({ items, selectedId }: { items: Conversation[]; selectedId?: string }) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const navigate = useNavigate();
  const { workspaceId = "" } = useParams();
  const { token } = theme.useToken();
  return (
    <List
      dataSource={items}
      locale={{ emptyText: <Empty description={t("empty")} /> }}
      renderItem={(c) => (
        <List.Item
          data-conversation-id={c.id}
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
                <Tag color={STATUS_COLOURS[c.status]}>{t(`translation:conversationStatus.${c.status}`)}</Tag>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {relativeTime(c.last_activity_at, i18n.language)}
                </Typography.Text>
              </span>
            }
            description={
              <span style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
                <Typography.Text ellipsis strong={(c.unread_count ?? 0) > 0}>
                  {c.last_message_preview ?? ""}
                </Typography.Text>
                <Badge count={c.unread_count ?? 0} data-testid="unread" />
              </span>
            }
          />
        </List.Item>
      )}
    />
  );
}

function Details({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation(["inbox", "translation"]);
  const me = useMe();
  const assignee =
    conversation.assignee_user_id === null
      ? t("unassigned")
      : conversation.assignee_user_id === me.data?.user.id
        ? t("you")
        : conversation.assignee_user_id;
  return (
    <Descriptions
      title={t("details")}
      column={1}
      size="small"
      items={[
        { key: "status", label: t("status"), children: t(`translation:conversationStatus.${conversation.status}`) },
        { key: "assignee", label: t("assignee"), children: assignee },
        { key: "priority", label: t("priority"), children: t(`translation:priority.${conversation.priority}`) },
        {
          key: "labels",
          label: t("labels"),
          children: conversation.labels?.length ? conversation.labels.map((l) => <Tag key={l}>{l}</Tag>) : t("none"),
        },
      ]}
    />
  );
}

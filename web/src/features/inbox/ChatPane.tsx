import { CheckCircleOutlined, CloseOutlined, RedoOutlined, SendOutlined, UserAddOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Divider, Empty, Input, Space, Spin, Switch, Tag, Typography, theme } from "antd";
import type { TFunction } from "i18next";
import { Fragment, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, ApiError, unwrap } from "../../api/client";
import { errorText } from "../../errors";
import { useMe } from "../../session";
import { Bubble } from "./Bubble";
import {
  conversationsKey,
  listWithConversation,
  listWithUnread,
  messagesKey,
  PENDING_PREFIX,
  removeMessage,
  upsertMessage,
  type Conversation,
  type MessagesPage,
} from "./cache";
import type { Message } from "./realtime";
import { useInboxRealtime } from "./useRealtime";

const PATH = "/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}" as const;

/** A send error for people: the inbox's own wording for channel codes, else the server's detail. */
function sendErrorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError && error.code) {
    const own = t(`inbox:errors.${error.code}`, { defaultValue: "" });
    if (own) return own;
    if (error.problem.detail) return error.problem.detail;
  }
  return errorText(t, error);
}

function dayLabel(iso: string, t: TFunction, language: string): string {
  const day = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (day.toDateString() === today.toDateString()) return t("inbox:today");
  if (day.toDateString() === yesterday.toDateString()) return t("inbox:yesterday");
  return day.toLocaleDateString(language, { year: "numeric", month: "long", day: "numeric" });
}

export function ChatPane({ workspaceId, conversation }: { workspaceId: string; conversation: Conversation }) {
  const conversationId = conversation.id;
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const queryClient = useQueryClient();
  const { client } = useInboxRealtime();
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const path = { workspace_id: workspaceId, conversation_id: conversationId };

  const messages = useQuery({
    queryKey: messagesKey(workspaceId, conversationId),
    queryFn: async () => unwrap(await api.GET(`${PATH}/messages`, { params: { path } })),
  });
  const items = messages.data?.items;

  // The realtime client resumes this conversation after what the REST API gave.
  useEffect(() => {
    if (client && items) client.track(conversationId, items.filter((m) => !m.id.startsWith(PENDING_PREFIX)));
  }, [client, conversationId, items]);

  // Read up to the last message shown; the cursor never moves back.
  const lastSeq = items?.reduce((top, m) => (m.id.startsWith(PENDING_PREFIX) ? top : Math.max(top, m.seq)), 0) ?? 0;
  const marked = useRef(0);
  useEffect(() => {
    if (lastSeq <= marked.current || (conversation.unread_count ?? 0) === 0) return;
    marked.current = lastSeq;
    queryClient.setQueryData(conversationsKey(workspaceId), (page: Parameters<typeof listWithUnread>[0]) =>
      listWithUnread(page, conversationId, 0),
    );
    void api.POST(`${PATH}/read`, { params: { path }, body: { seq: lastSeq } });
  }, [lastSeq, conversation.unread_count, conversationId, workspaceId, queryClient]);

  // A block body: newer browsers' scrollIntoView returns a promise, which React would take for a cleanup.
  useLayoutEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [items?.length, conversationId]);

  const byId = useMemo(() => new Map((items ?? []).map((m) => [m.id, m])), [items]);

  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
      <ChatHeader workspaceId={workspaceId} conversation={conversation} />
      <div style={{ flex: 1, overflowY: "auto", minHeight: 0 }} data-testid="messages">
        {messages.isPending ? (
          <Spin style={{ display: "block", margin: 32 }} />
        ) : messages.isError ? (
          <Alert type="error" style={{ margin: 16 }} message={errorText(t, messages.error)} />
        ) : messages.data.items.length === 0 ? (
          <Empty style={{ marginTop: 96 }} description={t("noMessages")} />
        ) : (
          <div style={{ display: "flex", flexDirection: "column", gap: 8, padding: 16 }}>
            {messages.data.items.map((m, i, all) => {
              const previous = all[i - 1];
              const newDay = !previous || new Date(previous.created_at).toDateString() !== new Date(m.created_at).toDateString();
              return (
                <Fragment key={m.id}>
                  {newDay && (
                    <Divider plain style={{ margin: "8px 0", fontSize: 12, color: token.colorTextSecondary }}>
                      {dayLabel(m.created_at, t, i18n.language)}
                    </Divider>
                  )}
                  <Bubble
                    message={m}
                    quoted={m.reply_to_message_id ? (byId.get(m.reply_to_message_id) ?? null) : undefined}
                    onReply={m.id.startsWith(PENDING_PREFIX) ? undefined : setReplyTo}
                  />
                </Fragment>
              );
            })}
            <div ref={bottom} />
          </div>
        )}
      </div>
      <Composer
        workspaceId={workspaceId}
        conversationId={conversationId}
        replyTo={replyTo}
        onReplyDone={() => setReplyTo(null)}
      />
    </div>
  );
}

function ChatHeader({ workspaceId, conversation }: { workspaceId: string; conversation: Conversation }) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const queryClient = useQueryClient();
  const me = useMe();
  const myId = me.data?.user.id;
  const update = useMutation({
    mutationFn: async (body: { status?: "open" | "resolved"; assignee_user_id?: string }) =>
      unwrap(await api.PATCH(PATH, { params: { path: { workspace_id: workspaceId, conversation_id: conversation.id } }, body })),
    onSuccess: (updated) =>
      queryClient.setQueryData(conversationsKey(workspaceId), (page: Parameters<typeof listWithConversation>[0]) =>
        listWithConversation(page, updated),
      ),
  });
  const resolved = conversation.status === "resolved";
  const mine = myId !== undefined && conversation.assignee_user_id === myId;
  return (
    <header
      style={{
        display: "flex",
        alignItems: "center",
        justifyContent: "space-between",
        gap: 8,
        padding: "8px 16px",
        borderBottom: `1px solid ${token.colorBorderSecondary}`,
        background: token.colorBgContainer,
      }}
    >
      <Space>
        <Tag data-testid="conversation-status">{t(`translation:conversationStatus.${conversation.status}`)}</Tag>
        {mine && <Tag color="blue">{t("actions.assignedToYou")}</Tag>}
      </Space>
      <Space>
        {update.isError && <Typography.Text type="danger">{sendErrorText(t, update.error)}</Typography.Text>}
        {!mine && myId && (
          <Button icon={<UserAddOutlined />} loading={update.isPending} onClick={() => update.mutate({ assignee_user_id: myId })}>
            {t("actions.assignToMe")}
          </Button>
        )}
        {resolved ? (
          <Button icon={<RedoOutlined />} loading={update.isPending} onClick={() => update.mutate({ status: "open" })}>
            {t("actions.reopen")}
          </Button>
        ) : (
          <Button
            type="primary"
            icon={<CheckCircleOutlined />}
            loading={update.isPending}
            onClick={() => update.mutate({ status: "resolved" })}
          >
            {t("actions.resolve")}
          </Button>
        )}
      </Space>
    </header>
  );
}

function Composer({
  workspaceId,
  conversationId,
  replyTo,
  onReplyDone,
}: {
  workspaceId: string;
  conversationId: string;
  replyTo: Message | null;
  onReplyDone: () => void;
}) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const queryClient = useQueryClient();
  const me = useMe();
  const [text, setText] = useState("");
  const [note, setNote] = useState(false);
  const key = messagesKey(workspaceId, conversationId);

  const send = useMutation({
    mutationFn: async (input: { text: string; note: boolean; replyTo: string | null; pendingId: string }) => {
      const path = { workspace_id: workspaceId, conversation_id: conversationId };
      return input.note
        ? unwrap(await api.POST(`${PATH}/notes`, { params: { path }, body: { text: input.text } }))
        : unwrap(
            await api.POST(`${PATH}/messages`, {
              params: { path },
              body: { type: "text", text: input.text, reply_to_message_id: input.replyTo },
            }),
          );
    },
    // Shown at once as queued; the server's answer, then realtime, take over.
    onMutate: (input) => {
      const pending: Message = {
        id: input.pendingId,
        conversation_id: conversationId,
        seq: Number.MAX_SAFE_INTEGER,
        direction: input.note ? "internal" : "out",
        sender_type: "user",
        sender_id: me.data?.user.id ?? null,
        type: input.note ? "note" : "text",
        text: input.text,
        payload: {},
        external_id: null,
        status: input.note ? null : "queued",
        error: null,
        reply_to_message_id: input.replyTo,
        created_at: new Date().toISOString(),
        edited_at: null,
        recalled_at: null,
      };
      queryClient.setQueryData<MessagesPage>(key, (page) => upsertMessage(page, pending));
    },
    onSuccess: (message, input) => {
      // Realtime may have delivered it already, in a later state: keep that one.
      queryClient.setQueryData<MessagesPage>(key, (page) =>
        page?.items.some((m) => m.id === message.id) ? removeMessage(page, input.pendingId) : upsertMessage(page, message, input.pendingId),
      );
    },
    onError: (_error, input) => {
      queryClient.setQueryData<MessagesPage>(key, (page) => removeMessage(page, input.pendingId));
      setText((current) => current || input.text); // give the text back to fix and resend
    },
  });

  function submit() {
    const body = text.trim();
    if (!body) return;
    send.mutate({ text: body, note, replyTo: note ? null : (replyTo?.id ?? null), pendingId: `${PENDING_PREFIX}${crypto.randomUUID()}` });
    setText("");
    onReplyDone();
  }

  return (
    <div style={{ borderTop: `1px solid ${token.colorBorderSecondary}`, padding: 12, background: token.colorBgContainer }}>
      {send.isError && (
        <Alert
          type="error"
          showIcon
          closable
          onClose={() => send.reset()}
          style={{ marginBottom: 8 }}
          message={sendErrorText(t, send.error)}
          data-testid="send-error"
        />
      )}
      {replyTo && !note && (
        <div style={{ display: "flex", alignItems: "center", gap: 8, marginBottom: 8 }}>
          <Typography.Text type="secondary" ellipsis style={{ flex: 1 }}>
            {t("quoted")}: {replyTo.text ?? t("noText", { type: replyTo.type })}
          </Typography.Text>
          <Button size="small" type="text" aria-label={t("cancelReply")} icon={<CloseOutlined />} onClick={onReplyDone} />
        </div>
      )}
      <Input.TextArea
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
        autoSize={{ minRows: 2, maxRows: 6 }}
        placeholder={note ? t("composer.notePlaceholder") : t("composer.placeholder")}
        style={note ? { background: token.colorWarningBg } : undefined}
        aria-label={note ? t("composer.addNote") : t("composer.send")}
      />
      <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", marginTop: 8 }}>
        <Space>
          <Switch size="small" checked={note} onChange={setNote} aria-label={t("composer.noteMode")} />
          <Typography.Text type="secondary">{t("composer.noteMode")}</Typography.Text>
        </Space>
        <Button type="primary" icon={<SendOutlined />} onClick={submit} disabled={!text.trim()}>
          {note ? t("composer.addNote") : t("composer.send")}
        </Button>
      </div>
    </div>
  );
}

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Divider, Empty, Spin, Tag, Typography, theme } from "antd";
import type { TFunction } from "i18next";
import { Fragment, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { api, unwrap } from "../../api/client";
import { errorText } from "../../errors";
import { useMe } from "../../session";
import { Bubble } from "./Bubble";
import { conversationsKey, listWithUnread, messagesKey, PENDING_PREFIX, type Conversation, type MessagesPage } from "./cache";
import { closedWindow, windowClosesAt } from "./composer";
import { Composer } from "./Composer";
import { ConversationActions } from "./ConversationActions";
import type { Message } from "./realtime";
import { useTypists } from "./typingHooks";
import { useInboxRealtime } from "./useRealtime";

const PATH = "/api/v1/workspaces/{workspace_id}/conversations/{conversation_id}" as const;
/** Messages per page: the newest page opens the conversation, older ones load on scrolling up. */
const PAGE = 50;
/** Within this many pixels of an edge counts as at it. */
const EDGE = 80;

function dayLabel(iso: string, t: TFunction, language: string): string {
  const day = new Date(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (day.toDateString() === today.toDateString()) return t("inbox:today");
  if (day.toDateString() === yesterday.toDateString()) return t("inbox:yesterday");
  return day.toLocaleDateString(language, { year: "numeric", month: "long", day: "numeric" });
}

/** Older messages first, without repeats (a page may overlap what realtime already added). */
function withOlder(page: MessagesPage | undefined, older: MessagesPage): MessagesPage | undefined {
  if (!page) return page;
  const held = new Set(page.items.map((m) => m.id));
  return { items: [...older.items.filter((m) => !held.has(m.id)), ...page.items], has_more: older.has_more };
}

function useChannel(workspaceId: string, channelId: string) {
  return useQuery({
    queryKey: ["inbox-channels", workspaceId],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/channels", {
          params: { path: { workspace_id: workspaceId }, query: { limit: 200 } },
        }),
      ).items.map(({ id, type, name }) => ({ id, type, name })),
    staleTime: 5 * 60_000,
    select: (channels) => channels.find((c) => c.id === channelId),
  });
}

export function ChatPane({ workspaceId, conversation }: { workspaceId: string; conversation: Conversation }) {
  const conversationId = conversation.id;
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const queryClient = useQueryClient();
  const { client } = useInboxRealtime();
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const path = { workspace_id: workspaceId, conversation_id: conversationId };
  const key = messagesKey(workspaceId, conversationId);
  const channel = useChannel(workspaceId, conversation.channel_id);

  // Only the newest page: a long conversation opens as fast as a short one.
  const messages = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await api.GET(`${PATH}/messages`, { params: { path, query: { limit: PAGE } } })),
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

  // Older pages, prepended to the same cache entry that realtime keeps up to date.
  const [older, setOlder] = useState<{ loading: boolean; error: unknown }>({ loading: false, error: null });
  const restore = useRef<{ height: number; top: number } | null>(null);
  const firstSeq = items?.find((m) => !m.id.startsWith(PENDING_PREFIX))?.seq;
  const hasMore = messages.data?.has_more ?? false;
  const loadOlder = useCallback(async () => {
    if (older.loading || !hasMore || firstSeq === undefined) return;
    setOlder({ loading: true, error: null });
    try {
      const page = unwrap(await api.GET(`${PATH}/messages`, { params: { path, query: { before_seq: firstSeq, limit: PAGE } } }));
      const el = scroller.current;
      if (el) restore.current = { height: el.scrollHeight, top: el.scrollTop };
      queryClient.setQueryData<MessagesPage>(key, (current) => withOlder(current, page));
      setOlder({ loading: false, error: null });
    } catch (error) {
      setOlder({ loading: false, error });
    }
    // path and key are rebuilt each render from the ids listed
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [older.loading, hasMore, firstSeq, workspaceId, conversationId, queryClient]);

  // Scrolling: keep the view where it was when older messages arrive above it; follow new
  // messages at the bottom only when already there (or when the new one is our own).
  const atBottom = useRef(true);
  const firstId = items?.[0]?.id;
  const lastItem = items?.[items.length - 1];
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !restore.current) return;
    el.scrollTop = el.scrollHeight - restore.current.height + restore.current.top;
    restore.current = null;
  }, [firstId]);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !lastItem) return;
    if (atBottom.current || lastItem.id.startsWith(PENDING_PREFIX)) el.scrollTop = el.scrollHeight;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only a new last message moves the view
  }, [lastItem?.id]);
  // A first page shorter than the pane cannot be scrolled up: fetch more until it can.
  useEffect(() => {
    const el = scroller.current;
    if (el && items && hasMore && !older.loading && !older.error && el.scrollHeight <= el.clientHeight) void loadOlder();
  }, [items, hasMore, older.loading, older.error, loadOlder]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < EDGE;
    if (el.scrollTop < EDGE && !older.error) void loadOlder();
  };

  const byId = useMemo(() => new Map((items ?? []).map((m) => [m.id, m])), [items]);
  const closedAt = closedWindow(conversation, channel.data?.type);
  // Re-render when an open window closes while the conversation is on screen.
  const [, setTick] = useState(0);
  const closesAt = windowClosesAt(conversation)?.getTime();
  useEffect(() => {
    const wait = closesAt === undefined ? -1 : closesAt - Date.now();
    if (wait < 0 || wait > 2 ** 31 - 1) return;
    const timer = setTimeout(() => setTick((n) => n + 1), wait + 100);
    return () => clearTimeout(timer);
  }, [closesAt]);

  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
      <ChatHeader workspaceId={workspaceId} conversation={conversation} channel={channel.data} />
      <div ref={scroller} onScroll={onScroll} style={{ flex: 1, overflowY: "auto", minHeight: 0 }} data-testid="messages">
        {messages.isPending ? (
          <Spin style={{ display: "block", margin: 32 }} />
        ) : messages.isError ? (
          <Alert type="error" style={{ margin: 16 }} message={errorText(t, messages.error)} />
        ) : messages.data.items.length === 0 ? (
          <Empty style={{ marginTop: 96 }} description={t("noMessages")} />
        ) : (
          <div style={{ display: "flex", flexDirection: "column", gap: 8, padding: 16 }}>
            {hasMore && (
              <div style={{ alignSelf: "center" }}>
                {older.error ? (
                  <Typography.Text type="danger" style={{ fontSize: 12 }}>
                    {errorText(t, older.error)}{" "}
                  </Typography.Text>
                ) : null}
                <Button size="small" type="link" loading={older.loading} onClick={() => void loadOlder()} data-testid="load-older">
                  {t("chat2.loadOlder")}
                </Button>
              </div>
            )}
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
                    workspaceId={workspaceId}
                    message={m}
                    quoted={m.reply_to_message_id ? (byId.get(m.reply_to_message_id) ?? null) : undefined}
                    onReply={m.id.startsWith(PENDING_PREFIX) ? undefined : setReplyTo}
                  />
                </Fragment>
              );
            })}
          </div>
        )}
      </div>
      <TypingLine workspaceId={workspaceId} conversationId={conversationId} />
      <Composer
        workspaceId={workspaceId}
        conversationId={conversationId}
        channelId={conversation.channel_id}
        channelType={channel.data?.type}
        windowClosedAt={closedAt}
        replyTo={replyTo}
        onReplyDone={() => setReplyTo(null)}
      />
    </div>
  );
}

/** "Ann is typing…" under the messages; its own component so typing never re-renders the list. */
function TypingLine({ workspaceId, conversationId }: { workspaceId: string; conversationId: string }) {
  const { t } = useTranslation("inbox");
  const { token } = theme.useToken();
  const { client } = useInboxRealtime();
  const me = useMe();
  const typists = useTypists(client, conversationId, me.data?.user.id);
  const members = useQuery({
    queryKey: ["inbox-members", workspaceId],
    enabled: typists.length > 0,
    staleTime: 5 * 60_000,
    queryFn: async () =>
      unwrap(
        await api.GET("/api/v1/workspaces/{workspace_id}/members", {
          params: { path: { workspace_id: workspaceId }, query: { limit: 200 } },
        }),
      ).items.map(({ user_id, name, email }) => ({ user_id, name: name || email })),
  });
  const names = typists.map((id) => members.data?.find((m) => m.user_id === id)?.name ?? t("composer2.someone"));
  const text =
    names.length === 0
      ? ""
      : names.length === 1
        ? t("composer2.typingOne", { name: names[0] })
        : names.length === 2
          ? t("composer2.typingTwo", { a: names[0], b: names[1] })
          : t("composer2.typingMany");
  return (
    <div
      role="status"
      aria-live="polite"
      data-testid="typing"
      style={{ minHeight: 20, padding: "0 16px", fontSize: 12, fontStyle: "italic", color: token.colorTextSecondary }}
    >
      {text}
    </div>
  );
}

function ChatHeader({
  workspaceId,
  conversation,
  channel,
}: {
  workspaceId: string;
  conversation: Conversation;
  channel: { name: string; type: string } | undefined;
}) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const name = conversation.contact_name ?? t("chat2.unknownContact");
  return (
    <header
      style={{
        display: "flex",
        alignItems: "center",
        justifyContent: "space-between",
        flexWrap: "wrap",
        gap: 8,
        padding: "8px 16px",
        borderBottom: `1px solid ${token.colorBorderSecondary}`,
        background: token.colorBgContainer,
      }}
    >
      <div style={{ display: "flex", alignItems: "center", gap: 8, minWidth: 0 }}>
        <Typography.Text strong ellipsis data-testid="chat-contact" style={{ maxWidth: 240 }}>
          {name}
        </Typography.Text>
        {channel && <Tag data-testid="chat-channel">{channel.name}</Tag>}
      </div>
      <ConversationActions workspaceId={workspaceId} conversation={conversation} />
    </header>
  );
}

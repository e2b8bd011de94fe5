import {
  FilterOutlined,
  FlagFilled,
  MessageOutlined,
  QuestionCircleOutlined,
  SearchOutlined,
  SendOutlined,
  WhatsAppOutlined,
} from "@ant-design/icons";
import { useVirtualizer } from "@tanstack/react-virtual";
import { Alert, Badge, Button, Checkbox, Empty, Input, Popover, Segmented, Select, Spin, Tag, Tooltip, Typography, theme } from "antd";
import { useEffect, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation } from "react-router";

import { errorText } from "../../errors";
import { relativeTime } from "../../time";
import type { Conversation } from "./cache";
import { useInboxChannels, type InboxList } from "./conversationList";
import { rowConversationId, type ListRow, type MessageHit } from "./conversationListRows";
import { hasFilters, STATUSES, TABS, type InboxTab, type ListFilters } from "./filters";
import { SHORTCUTS } from "./shortcuts";

const ROW_HEIGHT = 72;
// Start loading the next page this many rows before the end.
const PREFETCH_ROWS = 15;

const PRIORITY_COLOURS: Partial<Record<Conversation["priority"], string>> = { high: "orange", urgent: "red" };

export interface ConversationListProps {
  workspaceId: string;
  selectedId?: string;
  list: InboxList;
  helpOpen: boolean;
  onHelpOpenChange: (open: boolean) => void;
}

/**
 * Tabs, filters, search and a virtualised list of conversations. Each row is a link with
 * `data-conversation-id`; the open one has `aria-current="true"`.
 */
export function ConversationList({ workspaceId, selectedId, list, helpOpen, onHelpOpenChange }: ConversationListProps) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const channels = useInboxChannels(workspaceId);
  const channelById = new Map((channels.data ?? []).map((c) => [c.id, c]));
  const scroller = useRef<HTMLDivElement>(null);
  const { rows, hasMore, loadingMore, loadMore } = list;

  const virtualizer = useVirtualizer({
    count: rows.length + (hasMore ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? -1;
  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - PREFETCH_ROWS) loadMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, loadMore]);

  // Keeps the open conversation in view when j/k (or a link) opens one off screen.
  // Only when the selection changes: live updates that move rows must not pull the reader back.
  const rowsNow = useRef(rows);
  rowsNow.current = rows;
  useEffect(() => {
    const index = rowsNow.current.findIndex((r) => rowConversationId(r) === selectedId);
    if (index >= 0) virtualizer.scrollToIndex(index, { align: "auto" });
  }, [selectedId, virtualizer]);

  const channelIcon = (channelId: string) => {
    const channel = channelById.get(channelId);
    const icon = channel?.type.startsWith("whatsapp") ? <WhatsAppOutlined /> : channel?.type === "telegram" ? <SendOutlined /> : <MessageOutlined />;
    return (
      <Tooltip title={channel?.name}>
        <span role="img" aria-label={channel?.name ?? t("list.channel")} style={{ color: token.colorTextSecondary }}>
          {icon}
        </span>
      </Tooltip>
    );
  };

  return (
    <div style={{ display: "flex", flexDirection: "column", height: "100%" }}>
      <ListHeader list={list} channels={channels.data ?? []} helpOpen={helpOpen} onHelpOpenChange={onHelpOpenChange} />
      <div ref={scroller} style={{ flex: 1, minHeight: 0, overflowY: "auto" }} data-testid="conversation-list">
        {list.isPending ? (
          <Spin style={{ display: "block", margin: 32 }} />
        ) : list.error ? (
          <Alert type="error" style={{ margin: 16 }} message={errorText(t, list.error)} />
        ) : rows.length === 0 ? (
          <Empty
            style={{ marginTop: 48 }}
            description={list.searching ? t("list.noResults") : hasFilters(list.filters) || list.filters.tab !== "all" ? t("list.noMatches") : t("empty")}
          />
        ) : (
          <div role="list" aria-label={t("conversations")} style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
            {virtualRows.map((v) => {
              const row = rows[v.index];
              const style = { position: "absolute" as const, top: 0, left: 0, width: "100%", height: v.size, transform: `translateY(${v.start}px)` };
              if (!row) {
                return (
                  <div key="more" role="listitem" style={{ ...style, display: "flex", alignItems: "center", justifyContent: "center" }}>
                    <Spin size="small" aria-label={t("list.loadingMore")} />
                  </div>
                );
              }
              return (
                <div key={rowKey(row, v.index)} role="listitem" style={style}>
                  {row.kind === "conversation" ? (
                    <ConversationRow
                      workspaceId={workspaceId}
                      conversation={row.conversation}
                      selected={row.conversation.id === selectedId}
                      name={row.conversation.contact_name || t("list.contact")}
                      icon={channelIcon(row.conversation.channel_id)}
                    />
                  ) : (
                    <HitRow workspaceId={workspaceId} hit={row.hit} selected={row.hit.conversation_id === selectedId} icon={channelIcon(row.hit.channel_id)} />
                  )}
                </div>
              );
            })}
          </div>
        )}
      </div>
    </div>
  );
}

function rowKey(row: ListRow, index: number): string {
  return row.kind === "conversation" ? row.conversation.id : `${row.hit.id}-${index}`;
}

function RowLink({ workspaceId, conversationId, selected, children }: { workspaceId: string; conversationId: string; selected: boolean; children: ReactNode }) {
  const { token } = theme.useToken();
  const location = useLocation();
  return (
    <Link
      to={{ pathname: `/w/${workspaceId}/inbox/${conversationId}`, search: location.search }}
      data-conversation-id={conversationId}
      aria-current={selected ? "true" : undefined}
      style={{
        display: "flex",
        flexDirection: "column",
        justifyContent: "center",
        gap: 4,
        height: "100%",
        padding: "8px 12px 8px 16px",
        color: token.colorText,
        background: selected ? token.controlItemBgActive : undefined,
        borderBottom: `1px solid ${token.colorBorderSecondary}`,
        borderInlineStart: `3px solid ${selected ? token.colorPrimary : "transparent"}`,
        textDecoration: "none",
      }}
    >
      {children}
    </Link>
  );
}

const lineStyle = { display: "flex", alignItems: "center", gap: 6, minWidth: 0 } as const;

function ConversationRow({ workspaceId, conversation: c, selected, name, icon }: { workspaceId: string; conversation: Conversation; selected: boolean; name: string; icon: ReactNode }) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const unread = c.unread_count ?? 0;
  const colour = PRIORITY_COLOURS[c.priority];
  return (
    <RowLink workspaceId={workspaceId} conversationId={c.id} selected={selected}>
      <span style={lineStyle}>
        {icon}
        <Typography.Text strong={unread > 0} ellipsis style={{ flex: 1, minWidth: 0 }}>
          {name}
        </Typography.Text>
        {colour && (
          <Tooltip title={t(`translation:priority.${c.priority}`)}>
            <FlagFilled data-testid="priority" role="img" aria-label={t(`translation:priority.${c.priority}`)} style={{ color: colour }} />
          </Tooltip>
        )}
        {c.status !== "open" && (
          <Tag style={{ marginInlineEnd: 0, fontSize: 11, lineHeight: "16px" }}>{t(`translation:conversationStatus.${c.status}`)}</Tag>
        )}
        <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: "nowrap" }}>
          <time dateTime={c.last_activity_at} title={new Date(c.last_activity_at).toLocaleString(i18n.language)}>
            {relativeTime(c.last_activity_at, i18n.language)}
          </time>
        </Typography.Text>
      </span>
      <span style={lineStyle}>
        <Typography.Text type={unread > 0 ? undefined : "secondary"} ellipsis style={{ flex: 1, minWidth: 0, fontSize: 13 }}>
          {c.last_message_preview ?? ""}
        </Typography.Text>
        <Badge count={unread} data-testid="unread" title={t("list.unread", { count: unread })} />
      </span>
    </RowLink>
  );
}

function HitRow({ workspaceId, hit, selected, icon }: { workspaceId: string; hit: MessageHit; selected: boolean; icon: ReactNode }) {
  const { i18n } = useTranslation();
  const { token } = theme.useToken();
  return (
    <RowLink workspaceId={workspaceId} conversationId={hit.conversation_id} selected={selected}>
      <span style={lineStyle}>
        {icon}
        <span style={{ flex: 1 }} />
        <Typography.Text type="secondary" style={{ fontSize: 12, whiteSpace: "nowrap" }}>
          {relativeTime(hit.created_at, i18n.language)}
        </Typography.Text>
      </span>
      <Typography.Text ellipsis style={{ fontSize: 13 }}>
        {/* Parts are plain text; the matching ones are marked. */}
        {hit.snippet.map((part, i) =>
          part.match ? (
            <mark key={i} style={{ background: token.colorWarningBg, color: "inherit", padding: 0 }}>
              {part.text}
            </mark>
          ) : (
            <span key={i}>{part.text}</span>
          ),
        )}
      </Typography.Text>
    </RowLink>
  );
}

function ListHeader({
  list,
  channels,
  helpOpen,
  onHelpOpenChange,
}: {
  list: InboxList;
  channels: { id: string; name: string }[];
  helpOpen: boolean;
  onHelpOpenChange: (open: boolean) => void;
}) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const { filters, setFilters } = list;
  const set = (change: Partial<ListFilters>) => setFilters({ ...filters, ...change });
  const active = [filters.status, filters.channelId, filters.label, filters.unread].filter(Boolean).length;

  const filterForm = (
    <div style={{ display: "flex", flexDirection: "column", gap: 8, width: 220 }}>
      <Select
        aria-label={t("list.status")}
        placeholder={t("list.anyStatus")}
        allowClear
        value={filters.status}
        onChange={(status?: ListFilters["status"]) => set({ status })}
        options={STATUSES.map((s) => ({ value: s, label: t(`translation:conversationStatus.${s}`) }))}
      />
      <Select
        aria-label={t("list.channel")}
        placeholder={t("list.anyChannel")}
        allowClear
        value={filters.channelId}
        onChange={(channelId?: string) => set({ channelId })}
        options={channels.map((c) => ({ value: c.id, label: c.name }))}
      />
      <Select
        aria-label={t("list.label")}
        placeholder={t("list.anyLabel")}
        allowClear
        showSearch
        mode="tags"
        maxCount={1}
        value={filters.label ? [filters.label] : []}
        onChange={(values: string[]) => set({ label: values.at(-1)?.trim() || undefined })}
        options={list.labels.map((l) => ({ value: l, label: l }))}
      />
      <Checkbox checked={!!filters.unread} onChange={(event) => set({ unread: event.target.checked || undefined })}>
        {t("list.unreadOnly")}
      </Checkbox>
      <Button size="small" disabled={active === 0} onClick={() => setFilters({ tab: filters.tab })}>
        {t("list.clearFilters")}
      </Button>
    </div>
  );

  return (
    <div style={{ padding: 12, display: "flex", flexDirection: "column", gap: 8, borderBottom: `1px solid ${token.colorBorderSecondary}` }}>
      <div style={{ display: "flex", alignItems: "center", gap: 6 }}>
        <Input
          allowClear
          style={{ flex: 1, minWidth: 0 }}
          prefix={<SearchOutlined />}
          placeholder={t("list.search")}
          aria-label={t("list.search")}
          value={list.text}
          maxLength={200}
          onChange={(event) => list.setText(event.target.value)}
          data-testid="conversation-search"
        />
        <Popover trigger="click" placement="bottomRight" content={filterForm} title={t("list.filters")}>
          <Badge count={active} size="small">
            <Button icon={<FilterOutlined />} aria-label={t("list.filters")} type={active ? "primary" : "default"} />
          </Badge>
        </Popover>
        <Popover
          open={helpOpen}
          onOpenChange={onHelpOpenChange}
          trigger="click"
          placement="bottomRight"
          title={t("list.shortcuts.title")}
          content={
            <dl style={{ margin: 0, display: "grid", gridTemplateColumns: "auto 1fr", gap: "4px 12px" }}>
              {SHORTCUTS.map((s) => (
                <div key={s.key} style={{ display: "contents" }}>
                  <dt>
                    <Typography.Text keyboard>{s.key}</Typography.Text>
                  </dt>
                  <dd style={{ margin: 0 }}>{t(`list.shortcuts.${s.action}`)}</dd>
                </div>
              ))}
            </dl>
          }
        >
          <Button type="text" icon={<QuestionCircleOutlined />} aria-label={t("list.shortcuts.title")} />
        </Popover>
      </div>
      <Segmented<InboxTab>
        size="small"
        block
        aria-label={t("list.tabs")}
        value={filters.tab}
        onChange={(tab) => set({ tab })}
        options={TABS.map((tab) => ({ value: tab, label: t(`list.tab.${tab}`) }))}
      />
      {active > 0 && (
        <div style={{ display: "flex", flexWrap: "wrap", gap: 4 }}>
          {filters.status && (
            <Tag closable onClose={() => set({ status: undefined })}>
              {t(`translation:conversationStatus.${filters.status}`)}
            </Tag>
          )}
          {filters.channelId && (
            <Tag closable onClose={() => set({ channelId: undefined })}>
              {channels.find((c) => c.id === filters.channelId)?.name ?? t("list.channel")}
            </Tag>
          )}
          {filters.label && (
            <Tag closable onClose={() => set({ label: undefined })}>
              {filters.label}
            </Tag>
          )}
          {filters.unread && (
            <Tag closable onClose={() => set({ unread: undefined })}>
              {t("list.unreadOnly")}
            </Tag>
          )}
        </div>
      )}
    </div>
  );
}

import i18n from "i18next";
import { DownloadOutlined, SearchOutlined, StopOutlined, UploadOutlined } from "@ant-design/icons";
import { Alert, App as AntApp, Avatar, Button, Empty, Flex, Grid, Input, Select, Space, Table, Tag, Typography, theme } from "antd";
import type { CheckboxProps } from "antd";
import type { MouseEvent } from "react";
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";

import { relativeTime } from "../../time";
import { downloadExport, useContacts, type Contact } from "./api";
import { BulkActions } from "./BulkActions";
import { ContactDrawer } from "./ContactDrawer";
import { contactsErrorText } from "./errors";
import { NO_FILTERS, tagOptions, type ContactFilters } from "./filters";
import { ImportModal } from "./ImportModal";
import { useDebounced } from "./useDebounced";
import en from "./i18n/en.json";
import zhCN from "./i18n/zh-CN.json";

// The texts arrive with this lazily loaded page, so the app's entry need not carry them.
i18n.addResourceBundle("en", "contacts", en, true, true);
i18n.addResourceBundle("zh-CN", "contacts", zhCN, true, true);

function initial(contact: Contact): string {
  const source = contact.name ?? contact.email ?? contact.phone ?? "?";
  return (source.replace(/^\+/, "").trim()[0] ?? "?").toUpperCase();
}

// Clicks on the row's own controls (checkbox, links, buttons) do what those controls do.
function fromControl(event: MouseEvent): boolean {
  return (event.target as HTMLElement).closest("button, a, input, label, .ant-table-selection-column") !== null;
}

/** /w/:workspaceId/contacts: the contacts table with search, filters, bulk actions and CSV. */
export default function ContactsPage() {
  const { t, i18n } = useTranslation(["contacts", "translation"]);
  const { token } = theme.useToken();
  const screens = Grid.useBreakpoint();
  const { message } = AntApp.useApp();
  const { workspaceId = "" } = useParams();
  const [search, setSearch] = useState("");
  const [tags, setTags] = useState<string[]>([]);
  const [blocked, setBlocked] = useState<ContactFilters["blocked"]>(NO_FILTERS.blocked);
  const q = useDebounced(search);
  const filters = useMemo<ContactFilters>(() => ({ q, tags, blocked }), [q, tags, blocked]);
  const contacts = useContacts(workspaceId, filters);
  const [selected, setSelected] = useState<string[]>([]);
  const [openId, setOpenId] = useState<string | null>(null);
  const [importing, setImporting] = useState(false);
  const [exporting, setExporting] = useState(false);

  // A new filter shows other rows; a selection the table no longer shows would act unseen.
  useEffect(() => setSelected([]), [filters]);

  const rows = useMemo(() => contacts.data?.pages.flatMap((page) => page.items) ?? [], [contacts.data]);
  const choices = useMemo(() => tagOptions(rows, tags), [rows, tags]);
  const filtered = filters.q !== "" || tags.length > 0 || blocked !== "all";
  const when = (iso: string | null) => (iso ? relativeTime(iso, i18n.language) : t("never"));

  const exportCsv = () => {
    setExporting(true);
    downloadExport(workspaceId, filters)
      .catch((error: unknown) => void message.error(contactsErrorText(t, error)))
      .finally(() => setExporting(false));
  };

  return (
    <div style={{ height: "100%", overflow: "auto", padding: "16px clamp(8px, 3vw, 24px)" }}>
      <Space direction="vertical" size="middle" style={{ width: "100%" }}>
        <Flex wrap gap={8} align="center" justify="space-between">
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t("title")}
          </Typography.Title>
          <Space wrap>
            <Button icon={<UploadOutlined />} aria-label={t("import.button")} onClick={() => setImporting(true)}>
              {t("import.button")}
            </Button>
            <Button icon={<DownloadOutlined />} aria-label={t("export.button")} loading={exporting} onClick={exportCsv}>
              {t("export.button")}
            </Button>
          </Space>
        </Flex>

        <Flex wrap gap={8} role="search" aria-label={t("filters")}>
          <Input
            allowClear
            prefix={<SearchOutlined style={{ color: token.colorTextTertiary }} />}
            placeholder={t("search")}
            aria-label={t("search")}
            value={search}
            maxLength={200}
            onChange={(event) => setSearch(event.target.value)}
            style={{ width: 280, maxWidth: "100%" }}
          />
          <Select
            mode="tags"
            allowClear
            value={tags}
            onChange={(next: string[]) => setTags(next.map((tag) => tag.trim()).filter(Boolean))}
            options={choices.map((tag) => ({ value: tag, label: tag }))}
            placeholder={t("filterTags")}
            aria-label={t("filterTags")}
            maxTagCount="responsive"
            style={{ width: 240, maxWidth: "100%" }}
          />
          <Select<ContactFilters["blocked"]>
            value={blocked}
            onChange={setBlocked}
            aria-label={t("blockedFilter.label")}
            options={(["all", "unblocked", "blocked"] as const).map((value) => ({ value, label: t(`blockedFilter.${value}`) }))}
            style={{ width: 160, maxWidth: "100%" }}
          />
        </Flex>

        {selected.length > 0 && (
          <BulkActions workspaceId={workspaceId} selected={selected} tagChoices={choices} onClear={() => setSelected([])} />
        )}

        {contacts.isError && <Alert type="error" showIcon message={contactsErrorText(t, contacts.error)} />}

        <Table<Contact>
          rowKey="id"
          size="middle"
          loading={contacts.isPending || (contacts.isPlaceholderData && contacts.isFetching)}
          dataSource={rows}
          pagination={false}
          scroll={{ x: 1200 }}
          rowSelection={{
            selectedRowKeys: selected,
            onChange: (keys) => setSelected(keys.map(String)),
            preserveSelectedRowKeys: false,
            // antd passes these props on to the row checkbox input, which then has a name for screen readers.
            getCheckboxProps: (contact) =>
              ({ "aria-label": t("selectRow", { name: contact.name ?? contact.email ?? contact.phone ?? "" }) }) as CheckboxProps,
          }}
          onRow={(contact) => ({
            onClick: (event) => {
              if (!fromControl(event)) setOpenId(contact.id);
            },
            style: { cursor: "pointer" },
          })}
          locale={{
            emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={filtered ? t("noMatch") : t("empty")} />,
          }}
          columns={[
            {
              title: t("columns.name"),
              key: "name",
              fixed: screens.md ? "left" : undefined,
              width: 220,
              render: (_, contact) => (
                <Space>
                  <Avatar size="small" src={contact.avatar_url ?? undefined} style={{ background: token.colorPrimary, flex: "none" }}>
                    {initial(contact)}
                  </Avatar>
                  <Button
                    type="link"
                    size="small"
                    style={{ padding: 0, height: "auto", whiteSpace: "normal", textAlign: "start" }}
                    aria-label={t("openContact", { name: contact.name ?? t("unnamed") })}
                    onClick={() => setOpenId(contact.id)}
                  >
                    {contact.name ?? <Typography.Text type="secondary">{t("unnamed")}</Typography.Text>}
                  </Button>
                </Space>
              ),
            },
            { title: t("columns.phone"), dataIndex: "phone", width: 150, render: (phone: string | null) => phone ?? "—" },
            {
              title: t("columns.email"),
              dataIndex: "email",
              width: 220,
              ellipsis: true,
              render: (email: string | null) => email ?? "—",
            },
            {
              title: t("columns.tags"),
              dataIndex: "tags",
              width: 220,
              render: (list: string[]) => (
                <Space size={[0, 4]} wrap>
                  {list.map((tag) => (
                    <Tag key={tag}>{tag}</Tag>
                  ))}
                </Space>
              ),
            },
            { title: t("columns.language"), dataIndex: "language", width: 100, render: (language: string | null) => language ?? "—" },
            {
              title: t("columns.lastSeen"),
              dataIndex: "last_seen_at",
              width: 140,
              render: (at: string | null, contact) => (
                <span title={new Date(at ?? contact.created_at).toLocaleString(i18n.language)}>
                  {when(at)}
                  <br />
                  <Typography.Text type="secondary" style={{ fontSize: token.fontSizeSM }}>
                    {t("addedWhen", { when: when(contact.created_at) })}
                  </Typography.Text>
                </span>
              ),
            },
            {
              title: t("columns.status"),
              dataIndex: "blocked",
              width: 110,
              render: (isBlocked: boolean) =>
                isBlocked ? (
                  <Tag color="error" icon={<StopOutlined />}>
                    {t("blocked")}
                  </Tag>
                ) : null,
            },
          ]}
          footer={() => (
            <Flex wrap gap={8} align="center" justify="space-between">
              <Typography.Text type="secondary">{t("shown", { count: rows.length })}</Typography.Text>
              {contacts.hasNextPage && (
                <Button onClick={() => void contacts.fetchNextPage()} loading={contacts.isFetchingNextPage}>
                  {t("loadMore")}
                </Button>
              )}
            </Flex>
          )}
        />
      </Space>

      <ImportModal workspaceId={workspaceId} open={importing} onClose={() => setImporting(false)} />
      <ContactDrawer workspaceId={workspaceId} contactId={openId} onClose={() => setOpenId(null)} />
    </div>
  );
}

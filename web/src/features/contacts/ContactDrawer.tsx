import { Alert, Descriptions, Drawer, Empty, Grid, List, Skeleton, Space, Tag, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { relativeTime } from "../../time";
import { useChannels } from "../settings/api";
import { useAttributeDefinitions, useContact } from "./api";
import { contactsErrorText } from "./errors";

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(formatValue).join(", ");
  if (value === null || value === undefined) return "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  return (
    <section>
      <Typography.Title level={5}>{title}</Typography.Title>
      {children}
    </section>
  );
}

/** A contact's details, read-only: fields, tags, channel identities, consent and attributes. */
export function ContactDrawer({ workspaceId, contactId, onClose }: { workspaceId: string; contactId: string | null; onClose: () => void }) {
  const { t, i18n } = useTranslation(["contacts", "translation"]);
  const screens = Grid.useBreakpoint();
  const contact = useContact(workspaceId, contactId);
  const channels = useChannels(workspaceId);
  const definitions = useAttributeDefinitions(workspaceId);
  const channelName = (id: string) => channels.data?.find((c) => c.id === id)?.name ?? t("drawer.unknownChannel");
  const label = (key: string) => definitions.data?.find((d) => d.key === key)?.label ?? key;
  const data = contact.data;
  const when = (iso: string | null) => (iso ? relativeTime(iso, i18n.language) : t("never"));

  return (
    <Drawer
      open={contactId !== null}
      onClose={onClose}
      width={screens.sm ? 480 : "100%"}
      title={data ? (data.name ?? t("unnamed")) : t("drawer.title")}
    >
      {contact.isError && <Alert type="error" showIcon message={contactsErrorText(t, contact.error)} />}
      {contact.isPending && contactId !== null && <Skeleton active />}
      {data && (
        <Space direction="vertical" size="large" style={{ width: "100%" }}>
          <Descriptions column={1} size="small" bordered>
            <Descriptions.Item label={t("columns.phone")}>{data.phone ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("columns.email")}>{data.email ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("columns.language")}>{data.language ?? "—"}</Descriptions.Item>
            <Descriptions.Item label={t("columns.lastSeen")}>{when(data.last_seen_at)}</Descriptions.Item>
            <Descriptions.Item label={t("columns.created")}>{when(data.created_at)}</Descriptions.Item>
            <Descriptions.Item label={t("columns.status")}>
              {data.blocked ? <Tag color="error">{t("blocked")}</Tag> : t("active")}
            </Descriptions.Item>
          </Descriptions>

          <Section title={t("columns.tags")}>
            {data.tags.length ? (
              <Space size={[0, 8]} wrap>
                {data.tags.map((tag) => (
                  <Tag key={tag}>{tag}</Tag>
                ))}
              </Space>
            ) : (
              <Typography.Text type="secondary">{t("drawer.noTags")}</Typography.Text>
            )}
          </Section>

          <Section title={t("drawer.identities")}>
            <List
              size="small"
              bordered
              dataSource={data.identities}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("drawer.noIdentities")} /> }}
              renderItem={(identity) => (
                <List.Item>
                  <List.Item.Meta title={channelName(identity.channel_id)} description={identity.external_id} />
                </List.Item>
              )}
            />
          </Section>

          <Section title={t("drawer.consents")}>
            <List
              size="small"
              bordered
              dataSource={data.consents}
              locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("drawer.noConsents")} /> }}
              renderItem={(consent) => (
                <List.Item
                  extra={
                    <Tag color={consent.status === "opted_in" ? "success" : "default"}>{t(`drawer.consent.${consent.status}`)}</Tag>
                  }
                >
                  <List.Item.Meta
                    title={channelName(consent.channel_id)}
                    description={t("drawer.consentChanged", { source: consent.source, when: when(consent.changed_at) })}
                  />
                </List.Item>
              )}
            />
          </Section>

          <Section title={t("drawer.attributes")}>
            {Object.keys(data.attributes).length ? (
              <Descriptions column={1} size="small" bordered>
                {Object.entries(data.attributes).map(([key, value]) => (
                  <Descriptions.Item key={key} label={label(key)}>
                    {formatValue(value)}
                  </Descriptions.Item>
                ))}
              </Descriptions>
            ) : (
              <Typography.Text type="secondary">{t("drawer.noAttributes")}</Typography.Text>
            )}
          </Section>
        </Space>
      )}
    </Drawer>
  );
}

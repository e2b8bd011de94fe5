import { ApiOutlined, CloseOutlined, SendOutlined, WhatsAppOutlined } from "@ant-design/icons";
import { Alert, Empty, Select, Spin, Switch, Tag, Typography, theme } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { relativeTime } from "../../time";
import { useContactActions, useWorkspaceChannels, type Channel } from "./contactPaneApi";
import { contactErrorText } from "./contactPaneErrors";
import { consentFor, newTags, type Contact } from "./contactPaneModel";

type SectionProps = { workspaceId: string; contact: Contact };

const CHANNEL_ICONS: Record<string, ReactNode> = {
  telegram: <SendOutlined />,
  whatsapp_cloud: <WhatsAppOutlined />,
};

/** A channel's type icon, named for screen readers by the channel's type. */
export function ChannelIcon({ type }: { type: string }) {
  return (
    <span role="img" aria-label={type} style={{ flexShrink: 0 }}>
      {CHANNEL_ICONS[type] ?? <ApiOutlined />}
    </span>
  );
}

export function ContactTags({ workspaceId, contact }: SectionProps) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const { addTags, removeTag } = useContactActions(workspaceId, contact.id);
  const error = addTags.error ?? removeTag.error;
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 8 }}>
      {contact.tags.length ? (
        <div style={{ display: "flex", flexWrap: "wrap", rowGap: 4 }}>
          {contact.tags.map((tag) => (
            <Tag
              key={tag}
              closable
              onClose={(e) => {
                // The list follows the server; the tag stays until the contact is refetched.
                e.preventDefault();
                removeTag.mutate(tag);
              }}
              closeIcon={
                <button
                  type="button"
                  aria-label={t("contact.tags.remove", { tag })}
                  style={{ background: "none", border: 0, padding: 0, color: token.colorTextTertiary, cursor: "pointer" }}
                >
                  <CloseOutlined />
                </button>
              }
            >
              {tag}
            </Tag>
          ))}
        </div>
      ) : (
        <Typography.Text type="secondary">{t("contact.tags.empty")}</Typography.Text>
      )}
      <Select
        mode="tags"
        size="small"
        value={[]}
        suffixIcon={null}
        notFoundContent={null}
        aria-label={t("contact.tags.add")}
        placeholder={t("contact.tags.add")}
        loading={addTags.isPending}
        tokenSeparators={[","]}
        onChange={(typed: string[]) => {
          const tags = newTags(contact.tags, typed);
          if (tags.length) addTags.mutate(tags);
        }}
      />
      {error && <Alert type="error" showIcon message={contactErrorText(t, error)} />}
    </div>
  );
}

function useChannelList(workspaceId: string) {
  const channels = useWorkspaceChannels(workspaceId);
  const byId = new Map<string, Channel>((channels.data ?? []).map((c) => [c.id, c]));
  return { channels, byId };
}

export function ContactConsents({ workspaceId, contact }: SectionProps) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { channels } = useChannelList(workspaceId);
  const { setConsent } = useContactActions(workspaceId, contact.id);
  if (channels.isPending) return <Spin size="small" />;
  if (channels.isError) return <Alert type="error" showIcon message={contactErrorText(t, channels.error)} />;
  if (!channels.data.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("contact.consent.noChannels")} />;
  const pendingChannel = setConsent.isPending ? setConsent.variables?.channelId : undefined;
  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 8 }}>
      {channels.data.map((channel) => {
        const consent = consentFor(contact, channel.id);
        const state = consent?.status ?? "unknown";
        const stateText = t(`contact.consent.${state}`);
        return (
          <div key={channel.id} data-consent-channel={channel.id} style={{ display: "flex", gap: 8, alignItems: "flex-start" }}>
            <ChannelIcon type={channel.type} />
            <div style={{ flex: 1, minWidth: 0, display: "flex", flexDirection: "column" }}>
              <Typography.Text ellipsis>{channel.name}</Typography.Text>
              <Typography.Text type={state === "opted_in" ? "success" : "secondary"} style={{ fontSize: 12 }}>
                {stateText}
                {consent && (
                  <span title={new Date(consent.changed_at).toLocaleString(i18n.language)}>
                    {" · "}
                    {t("contact.consent.changed", {
                      when: relativeTime(consent.changed_at, i18n.language),
                      source: consent.source,
                    })}
                  </span>
                )}
              </Typography.Text>
            </div>
            <Switch
              size="small"
              checked={state === "opted_in"}
              loading={pendingChannel === channel.id}
              aria-label={t("contact.consent.toggle", { channel: channel.name })}
              onChange={(on) => setConsent.mutate({ channelId: channel.id, optedIn: on })}
            />
          </div>
        );
      })}
      {setConsent.isError && <Alert type="error" showIcon message={contactErrorText(t, setConsent.error)} />}
    </div>
  );
}

export function ContactIdentities({ workspaceId, contact }: SectionProps) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { channels, byId } = useChannelList(workspaceId);
  if (!contact.identities.length) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("contact.identities.empty")} />;
  }
  return (
    <ul style={{ listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: 8 }}>
      {contact.identities.map((identity) => {
        const channel = byId.get(identity.channel_id);
        const name = channel?.name ?? (channels.isPending ? "…" : t("contact.identities.unknownChannel"));
        return (
          <li key={identity.id} style={{ display: "flex", gap: 8, alignItems: "flex-start" }}>
            <ChannelIcon type={channel?.type ?? "unknown"} />
            <div style={{ minWidth: 0, display: "flex", flexDirection: "column" }}>
              <Typography.Text ellipsis>{name}</Typography.Text>
              <Typography.Text code copyable={{ text: identity.external_id }} style={{ fontSize: 12, wordBreak: "break-all" }}>
                {identity.external_id}
              </Typography.Text>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {t("contact.identities.since", { when: relativeTime(identity.created_at, i18n.language) })}
              </Typography.Text>
            </div>
          </li>
        );
      })}
    </ul>
  );
}

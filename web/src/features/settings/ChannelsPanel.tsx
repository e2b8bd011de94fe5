import { ApiOutlined, DeleteOutlined, PlusOutlined, SendOutlined, WhatsAppOutlined } from "@ant-design/icons";
import {
  Alert,
  App as AntApp,
  Badge,
  Button,
  Card,
  Dropdown,
  Empty,
  List,
  Popconfirm,
  Space,
  Spin,
  Switch,
  Tooltip,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { relativeTime } from "../../time";
import { useChannelActions, useChannels } from "./api";
import { ConnectDialog, type ConnectKind } from "./ConnectDialog";
import { settingsErrorText } from "./errors";
import { channelHealth, healthSummary, type Channel } from "./health";

const ICONS: Record<string, JSX.Element> = {
  telegram: <SendOutlined style={{ color: "#229ED9" }} />,
  whatsapp_cloud: <WhatsAppOutlined style={{ color: "#25D366" }} />,
};

function TypeIcon({ type }: { type: string }) {
  return <span style={{ fontSize: 24 }}>{ICONS[type] ?? <ApiOutlined />}</span>;
}

function HealthBadge({ channel }: { channel: Channel }) {
  const { t, i18n } = useTranslation("settings");
  const health = channelHealth(channel);
  const badge = <Badge status={health.badge} text={t(`channels.state.${health.state}`)} />;
  if (!health.lastError) return badge;
  const when = channel.last_error_at ? ` · ${relativeTime(channel.last_error_at, i18n.language)}` : "";
  return (
    <Tooltip title={`${health.lastError}${when}`}>
      <span tabIndex={0} aria-label={`${t(`channels.state.${health.state}`)}: ${health.lastError}`}>
        {badge}
      </span>
    </Tooltip>
  );
}

function Traffic({ channel }: { channel: Channel }) {
  const { t, i18n } = useTranslation("settings");
  const when = (iso: string | null) => (iso ? relativeTime(iso, i18n.language) : t("channels.never"));
  const { inbound, outbound, failed } = channel.counters;
  return (
    <Typography.Text type="secondary">
      {t("channels.lastInbound", { when: when(channel.last_inbound_at) })} ·{" "}
      {t("channels.lastOutbound", { when: when(channel.last_outbound_at) })} ·{" "}
      {t("channels.counters", { inbound, outbound, failed })}
    </Typography.Text>
  );
}

function ChannelRow({ workspaceId, channel }: { workspaceId: string; channel: Channel }) {
  const { t } = useTranslation(["settings", "translation"]);
  const { message } = AntApp.useApp();
  const actions = useChannelActions(workspaceId);
  const fail = (error: unknown) => void message.error(settingsErrorText(t, error));
  const webhookUrl = typeof channel.config.webhook_url === "string" ? channel.config.webhook_url : null;

  return (
    <List.Item
      actions={[
        <Button
          key="test"
          loading={actions.test.isPending}
          onClick={() =>
            actions.test.mutate(channel.id, {
              onSuccess: (result) => {
                const health = channelHealth(result);
                const text = t(`channels.testResult.${health.state}`);
                if (health.state === "connected") void message.success(text);
                else void message.warning(health.lastError ? `${text}: ${health.lastError}` : text);
              },
              onError: fail,
            })
          }
        >
          {t("channels.test")}
        </Button>,
        <Tooltip key="enabled" title={channel.enabled ? t("channels.disable") : t("channels.enable")}>
          <Switch
            aria-label={t("channels.enabled")}
            checked={channel.enabled}
            loading={actions.setEnabled.isPending}
            onChange={(enabled) => actions.setEnabled.mutate({ channelId: channel.id, enabled }, { onError: fail })}
          />
        </Tooltip>,
        <Popconfirm
          key="delete"
          title={t("channels.deleteTitle", { name: channel.name })}
          description={t("channels.deleteBody")}
          okText={t("channels.delete")}
          okButtonProps={{ danger: true }}
          cancelText={t("common.cancel")}
          onConfirm={() =>
            actions.remove.mutateAsync(channel.id).then(
              () => void message.success(t("channels.deleted", { name: channel.name })),
              fail,
            )
          }
        >
          <Button danger icon={<DeleteOutlined />} aria-label={t("channels.delete")} loading={actions.remove.isPending} />
        </Popconfirm>,
      ]}
    >
      <List.Item.Meta
        avatar={<TypeIcon type={channel.type} />}
        title={
          <Space wrap>
            <span>{channel.name}</span>
            <Typography.Text type="secondary">
              {t(`channels.type.${channel.type}`, { defaultValue: channel.type })}
              {channel.mode ? ` · ${t(`channels.mode.${channel.mode}`, { defaultValue: channel.mode })}` : ""}
            </Typography.Text>
            <HealthBadge channel={channel} />
          </Space>
        }
        description={
          <Space direction="vertical" size={0}>
            <Traffic channel={channel} />
            {channel.type === "whatsapp_cloud" && webhookUrl && (
              <Typography.Text type="secondary" copyable={{ text: webhookUrl }}>
                {t("channels.webhookUrl")}: {webhookUrl}
              </Typography.Text>
            )}
          </Space>
        }
      />
    </List.Item>
  );
}

function Summary({ channels }: { channels: Channel[] }) {
  const { t } = useTranslation("settings");
  const summary = healthSummary(channels);
  if (summary.total === 0) return null;
  if (summary.needsAttention === 0) {
    return <Alert type="success" showIcon message={t("channels.summary.allGood", { count: summary.counts.connected })} />;
  }
  return (
    <Alert
      type={summary.worst === "disconnected" ? "error" : "warning"}
      showIcon
      message={t("channels.summary.attention", { count: summary.needsAttention })}
    />
  );
}

/** Settings → Channels: the connected accounts with their health, and connecting new ones. */
export function ChannelsPanel({ workspaceId }: { workspaceId: string }) {
  const { t } = useTranslation(["settings", "translation"]);
  const channels = useChannels(workspaceId);
  const [connecting, setConnecting] = useState<ConnectKind | null>(null);

  const connectMenu = {
    items: [
      { key: "telegram", icon: ICONS.telegram, label: t("channels.type.telegram") },
      { key: "whatsapp_cloud", icon: ICONS.whatsapp_cloud, label: t("channels.type.whatsapp_cloud") },
    ],
    onClick: ({ key }: { key: string }) => setConnecting(key as ConnectKind),
  };

  return (
    <Card
      title={t("channels.title")}
      extra={
        <Dropdown menu={connectMenu} trigger={["click"]}>
          <Button type="primary" icon={<PlusOutlined />}>
            {t("channels.connect")}
          </Button>
        </Dropdown>
      }
    >
      {channels.isPending ? (
        <Spin />
      ) : channels.isError ? (
        <Alert type="error" showIcon message={settingsErrorText(t, channels.error)} />
      ) : channels.data.length === 0 ? (
        <Empty description={t("channels.empty")} />
      ) : (
        <Space direction="vertical" style={{ width: "100%" }}>
          <Summary channels={channels.data} />
          <List
            itemLayout="vertical"
            dataSource={channels.data}
            rowKey="id"
            renderItem={(channel) => <ChannelRow workspaceId={workspaceId} channel={channel} />}
          />
        </Space>
      )}
      {connecting && <ConnectDialog workspaceId={workspaceId} kind={connecting} onClose={() => setConnecting(null)} />}
    </Card>
  );
}

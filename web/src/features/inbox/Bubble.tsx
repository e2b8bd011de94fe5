import { CheckOutlined, ClockCircleOutlined, ExclamationCircleFilled, RollbackOutlined } from "@ant-design/icons";
import { Button, Tooltip, Typography, theme } from "antd";
import { memo, useMemo } from "react";
import { useTranslation } from "react-i18next";

import { relativeTime } from "../../time";
import { Attachments, attachmentsOf } from "./Lightbox";
import type { Message } from "./realtime";

/** The reason a failed message gives, for people. */
export function failureReason(error: Message["error"]): string | undefined {
  if (!error) return undefined;
  for (const key of ["detail", "message", "title", "code"]) {
    const value = error[key];
    if (typeof value === "string" && value) return value;
  }
  return undefined;
}

/** queued: clock; sent: ✓; delivered: ✓✓; read: blue ✓✓; failed: ! with the reason on hover. */
export function Ticks({ message }: { message: Message }) {
  const { t } = useTranslation("inbox");
  const { token } = theme.useToken();
  const status = message.status;
  if (!status) return null;
  const label = t(`ticks.${status}`);
  if (status === "failed") {
    const reason = failureReason(message.error);
    const title = reason ? t("ticks.failedBecause", { reason }) : label;
    return (
      <Tooltip title={title}>
        <ExclamationCircleFilled aria-label={title} data-status="failed" style={{ color: token.colorError }} />
      </Tooltip>
    );
  }
  const icon =
    status === "queued" ? (
      <ClockCircleOutlined />
    ) : status === "sent" ? (
      <CheckOutlined />
    ) : (
      <span style={{ display: "inline-flex" }}>
        <CheckOutlined />
        <CheckOutlined style={{ marginLeft: -7 }} />
      </span>
    );
  return (
    <Tooltip title={label}>
      <span
        aria-label={label}
        data-status={status}
        style={{ fontSize: 11, color: status === "read" ? token.colorInfo : token.colorTextSecondary }}
      >
        {icon}
      </span>
    </Tooltip>
  );
}

/** Memoised: a long conversation re-renders only the bubbles whose message changed. */
export const Bubble = memo(function Bubble({
  workspaceId,
  message,
  quoted,
  onReply,
}: {
  workspaceId: string;
  message: Message;
  quoted?: Message | null;
  onReply?: (message: Message) => void;
}) {
  const { t, i18n } = useTranslation("inbox");
  const { token } = theme.useToken();
  const attachments = useMemo(() => (message.recalled_at ? [] : attachmentsOf(message.payload)), [message.payload, message.recalled_at]);

  if (message.type === "system") {
    return (
      <Typography.Text type="secondary" style={{ alignSelf: "center", fontSize: 12 }} data-kind="system">
        {message.text ?? t("system")} · {relativeTime(message.created_at, i18n.language)}
      </Typography.Text>
    );
  }

  const note = message.type === "note";
  const outgoing = message.direction !== "in";
  const background = note ? token.colorWarningBg : outgoing ? token.colorPrimaryBg : token.colorBgContainer;
  // A file without a caption needs no "(image message)" line under it.
  const text = message.recalled_at
    ? t("recalled")
    : (message.text ?? (attachments.length ? null : t("noText", { type: message.type })));
  return (
    <div
      data-kind={note ? "note" : message.direction}
      data-message-id={message.id}
      style={{
        alignSelf: outgoing ? "flex-end" : "flex-start",
        maxWidth: "70%",
        padding: "8px 12px",
        borderRadius: token.borderRadiusLG,
        background,
        border: note ? `1px dashed ${token.colorWarningBorder}` : undefined,
        boxShadow: token.boxShadowTertiary,
      }}
    >
      {note && (
        <Typography.Text type="warning" style={{ fontSize: 12 }}>
          {t("note")}
        </Typography.Text>
      )}
      {message.reply_to_message_id && (
        <div
          style={{
            borderLeft: `3px solid ${token.colorPrimaryBorder}`,
            paddingLeft: 8,
            marginBottom: 4,
            color: token.colorTextSecondary,
            fontSize: 12,
          }}
        >
          <Typography.Text type="secondary" ellipsis style={{ fontSize: 12, maxWidth: 320 }}>
            {t("quoted")}: {quoted ? (quoted.text ?? t("noText", { type: quoted.type })) : t("quotedMissing")}
          </Typography.Text>
        </div>
      )}
      {attachments.length > 0 && <Attachments workspaceId={workspaceId} attachments={attachments} />}
      {text !== null && (
        <Typography.Paragraph style={{ margin: 0, whiteSpace: "pre-wrap", fontStyle: message.recalled_at ? "italic" : undefined }}>
          {text}
        </Typography.Paragraph>
      )}
      <span style={{ display: "flex", gap: 6, alignItems: "center", justifyContent: "flex-end" }}>
        {onReply && !note && (
          <Tooltip title={t("reply")}>
            <Button type="text" size="small" aria-label={t("reply")} icon={<RollbackOutlined />} onClick={() => onReply(message)} />
          </Tooltip>
        )}
        <Tooltip title={new Date(message.created_at).toLocaleString(i18n.language)}>
          <Typography.Text type="secondary" style={{ fontSize: 11 }}>
            {relativeTime(message.created_at, i18n.language)}
            {message.edited_at ? ` · ${t("edited")}` : ""}
          </Typography.Text>
        </Tooltip>
        {outgoing && <Ticks message={message} />}
      </span>
    </div>
  );
});

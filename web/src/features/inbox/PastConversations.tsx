import { Alert, Empty, Spin, Tag, Typography, theme } from "antd";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";

import { relativeTime } from "../../time";
import type { Conversation } from "./cache";
import { useContactConversations } from "./contactPaneApi";
import { contactErrorText } from "./contactPaneErrors";

const STATUS_COLOURS: Record<Conversation["status"], string> = {
  open: "blue",
  pending: "gold",
  snoozed: "purple",
  resolved: "green",
};

/** The contact's other conversations; choosing one opens it in the inbox. */
export function PastConversations(props: { workspaceId: string; contactId: string; currentId: string }) {
  const { workspaceId, currentId } = props;
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const navigate = useNavigate();
  const conversations = useContactConversations(workspaceId, props.contactId);

  if (conversations.isPending) return <Spin size="small" />;
  if (conversations.isError) return <Alert type="error" showIcon message={contactErrorText(t, conversations.error)} />;
  const others = conversations.data.filter((c) => c.id !== currentId);
  if (!others.length) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("contact.conversations.empty")} />;
  return (
    <ul style={{ listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: 4 }}>
      {others.map((c) => {
        const status = t(`translation:conversationStatus.${c.status}`);
        const when = relativeTime(c.last_activity_at, i18n.language);
        const preview = c.last_message_preview || t("contact.conversations.noPreview");
        return (
          <li key={c.id}>
            <button
              type="button"
              data-conversation-id={c.id}
              aria-label={t("contact.conversations.open", { status, when, preview })}
              onClick={() => navigate(`/w/${workspaceId}/inbox/${c.id}`)}
              style={{
                all: "unset",
                boxSizing: "border-box",
                width: "100%",
                cursor: "pointer",
                display: "flex",
                flexDirection: "column",
                gap: 2,
                padding: "6px 8px",
                borderRadius: token.borderRadius,
                border: `1px solid ${token.colorBorderSecondary}`,
                outlineOffset: 1,
              }}
              onFocus={(e) => {
                // Keyboard focus only: a click should not leave a ring.
                if (e.currentTarget.matches(":focus-visible")) e.currentTarget.style.outline = `2px solid ${token.colorPrimary}`;
              }}
              onBlur={(e) => (e.currentTarget.style.outline = "none")}
              onMouseEnter={(e) => (e.currentTarget.style.background = token.controlItemBgHover)}
              onMouseLeave={(e) => (e.currentTarget.style.background = "transparent")}
            >
              <span style={{ display: "flex", justifyContent: "space-between", gap: 8 }}>
                <Tag color={STATUS_COLOURS[c.status]} style={{ marginInlineEnd: 0 }}>
                  {status}
                </Tag>
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {when}
                </Typography.Text>
              </span>
              <Typography.Text ellipsis type={c.last_message_preview ? undefined : "secondary"}>
                {preview}
              </Typography.Text>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

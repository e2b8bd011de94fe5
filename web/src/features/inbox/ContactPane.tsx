import { EditOutlined, GlobalOutlined, MailOutlined, PhoneOutlined } from "@ant-design/icons";
import { Alert, Avatar, Button, Collapse, Form, Input, Space, Spin, Tag, Typography, theme } from "antd";
import type { CSSProperties, ReactNode } from "react";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import type { Conversation } from "./cache";
import { ContactAttributes } from "./ContactAttributes";
import { ContactNotes } from "./ContactNotes";
import { useContact, useContactActions } from "./contactPaneApi";
import { contactErrorText } from "./contactPaneErrors";
import { initial, languageName, profileDraft, profilePatch, type Contact, type ProfileDraft } from "./contactPaneModel";
import { ContactConsents, ContactIdentities, ContactTags } from "./contactPaneSections";
import { PastConversations } from "./PastConversations";

// The pane pads itself: the inbox puts it in a bare aside or a drawer.
const PADDING = 12;

/** The right pane: the conversation's contact, its attributes, tags, consent, notes and history. */
export function ContactPane({ workspaceId, conversation }: { workspaceId: string; conversation: Conversation }) {
  const { t } = useTranslation(["inbox", "translation"]);
  const contactId = conversation.contact_id;
  const contact = useContact(workspaceId, contactId);

  if (contact.isPending) return <Spin style={{ display: "block", margin: 32 }} />;
  if (contact.isError) {
    return (
      <Alert
        type="error"
        showIcon
        style={{ margin: PADDING }}
        message={contactErrorText(t, contact.error)}
        action={
          <Button size="small" onClick={() => void contact.refetch()}>
            {t("contact.retry")}
          </Button>
        }
      />
    );
  }
  const data = contact.data;
  const section = (key: string, children: ReactNode, extra?: ReactNode) => ({
    key,
    label: t(`contact.sections.${key}`),
    extra,
    children,
  });
  return (
    <div data-testid="contact-pane" style={{ display: "flex", flexDirection: "column", gap: 12, padding: PADDING }}>
      <ContactHeader key={data.id} workspaceId={workspaceId} contact={data} />
      <Collapse
        size="small"
        ghost
        defaultActiveKey={["attributes", "tags", "notes", "conversations"]}
        items={[
          section("attributes", <ContactAttributes workspaceId={workspaceId} contact={data} />),
          section("tags", <ContactTags workspaceId={workspaceId} contact={data} />),
          section("consent", <ContactConsents workspaceId={workspaceId} contact={data} />),
          section("identities", <ContactIdentities workspaceId={workspaceId} contact={data} />),
          section("notes", <ContactNotes workspaceId={workspaceId} contactId={contactId} />),
          section(
            "conversations",
            <PastConversations workspaceId={workspaceId} contactId={contactId} currentId={conversation.id} />,
          ),
        ]}
      />
    </div>
  );
}

function ContactHeader({ workspaceId, contact }: { workspaceId: string; contact: Contact }) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const [editing, setEditing] = useState(false);
  const { update } = useContactActions(workspaceId, contact.id);
  const line: CSSProperties = { display: "flex", alignItems: "center", gap: 6, minWidth: 0 };

  if (editing) {
    return (
      <ProfileForm
        contact={contact}
        saving={update.isPending}
        error={update.isError ? contactErrorText(t, update.error) : null}
        onCancel={() => {
          update.reset();
          setEditing(false);
        }}
        onSave={(draft) => {
          const body = profilePatch(contact, draft);
          if (!body) {
            setEditing(false);
            return;
          }
          update.mutate(body, { onSuccess: () => setEditing(false) });
        }}
      />
    );
  }

  const details: [typeof PhoneOutlined, string | null, string][] = [
    [PhoneOutlined, contact.phone, t("contact.fields.phone")],
    [MailOutlined, contact.email, t("contact.fields.email")],
    [GlobalOutlined, contact.language && languageName(contact.language, i18n.language), t("contact.fields.language")],
  ];
  return (
    <header style={{ display: "flex", gap: 12, alignItems: "flex-start" }}>
      <Avatar
        size={48}
        src={contact.avatar_url ?? undefined}
        style={{ background: token.colorPrimary, color: token.colorTextLightSolid, flexShrink: 0 }}
        aria-hidden
      >
        {initial(contact)}
      </Avatar>
      <div style={{ flex: 1, minWidth: 0, display: "flex", flexDirection: "column", gap: 2 }}>
        <div style={{ ...line, justifyContent: "space-between" }}>
          <Typography.Title level={5} ellipsis style={{ margin: 0 }} data-testid="contact-name">
            {contact.name || <Typography.Text type="secondary">{t("contact.unnamed")}</Typography.Text>}
          </Typography.Title>
          <Button
            type="text"
            size="small"
            icon={<EditOutlined />}
            aria-label={t("contact.edit")}
            title={t("contact.edit")}
            onClick={() => setEditing(true)}
          />
        </div>
        {contact.blocked && (
          <span>
            <Tag color="error">{t("contact.blocked")}</Tag>
          </span>
        )}
        {details.map(
          ([Icon, value, label]) =>
            value && (
              <div key={label} style={line}>
                <Icon aria-label={label} style={{ color: token.colorTextTertiary, flexShrink: 0 }} />
                <Typography.Text type="secondary" ellipsis={{ tooltip: value }} style={{ minWidth: 0 }}>
                  {value}
                </Typography.Text>
              </div>
            ),
        )}
      </div>
    </header>
  );
}

function ProfileForm(props: {
  contact: Contact;
  saving: boolean;
  error: string | null;
  onSave: (draft: ProfileDraft) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation(["inbox", "translation"]);
  const [form] = Form.useForm<ProfileDraft>();
  return (
    <Form
      form={form}
      layout="vertical"
      size="small"
      initialValues={profileDraft(props.contact)}
      onFinish={props.onSave}
      onKeyDown={(e) => {
        if (e.key === "Escape") props.onCancel();
      }}
      aria-label={t("contact.edit")}
      style={{ display: "flex", flexDirection: "column" }}
    >
      <Form.Item name="name" label={t("contact.fields.name")} style={{ marginBottom: 8 }}>
        <Input autoFocus maxLength={200} autoComplete="off" />
      </Form.Item>
      <Form.Item name="phone" label={t("contact.fields.phone")} style={{ marginBottom: 8 }}>
        <Input type="tel" placeholder={t("contact.placeholders.phone")} maxLength={32} autoComplete="off" />
      </Form.Item>
      <Form.Item
        name="email"
        label={t("contact.fields.email")}
        rules={[{ type: "email", message: t("contact.invalid.email") }]}
        style={{ marginBottom: 8 }}
      >
        <Input type="email" autoComplete="off" />
      </Form.Item>
      <Form.Item
        name="language"
        label={t("contact.fields.language")}
        rules={[{ pattern: /^([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*)?$/, message: t("contact.invalid.language") }]}
        style={{ marginBottom: 8 }}
      >
        <Input placeholder={t("contact.placeholders.language")} maxLength={16} autoComplete="off" />
      </Form.Item>
      {props.error && <Alert type="error" showIcon message={props.error} style={{ marginBottom: 8 }} />}
      <Space>
        <Button type="primary" htmlType="submit" loading={props.saving}>
          {t("contact.save")}
        </Button>
        <Button onClick={props.onCancel}>{t("contact.cancel")}</Button>
      </Space>
    </Form>
  );
}

import { DeleteOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Input, Popconfirm, Spin, Typography, theme } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { relativeTime } from "../../time";
import { useContactNotes, useNoteActions } from "./contactPaneApi";
import { contactErrorText } from "./contactPaneErrors";

const MAX_NOTE = 10_000;

/** Notes about the contact (not a conversation's private notes), newest first. */
export function ContactNotes({ workspaceId, contactId }: { workspaceId: string; contactId: string }) {
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { token } = theme.useToken();
  const notes = useContactNotes(workspaceId, contactId);
  const { add, remove } = useNoteActions(workspaceId, contactId);
  const [draft, setDraft] = useState("");
  const body = draft.trim();
  const submit = () => {
    if (body && !add.isPending) add.mutate(body, { onSuccess: () => setDraft("") });
  };

  return (
    <div style={{ display: "flex", flexDirection: "column", gap: 8 }}>
      <Input.TextArea
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        autoSize={{ minRows: 2, maxRows: 6 }}
        maxLength={MAX_NOTE}
        aria-label={t("contact.notes.placeholder")}
        placeholder={t("contact.notes.placeholder")}
        onKeyDown={(e) => {
          if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <Button size="small" type="primary" disabled={!body} loading={add.isPending} onClick={submit} style={{ alignSelf: "flex-end" }}>
        {t("contact.notes.add")}
      </Button>
      {add.isError && <Alert type="error" showIcon message={contactErrorText(t, add.error)} />}
      {remove.isError && <Alert type="error" showIcon message={contactErrorText(t, remove.error)} />}
      {notes.isPending ? (
        <Spin size="small" />
      ) : notes.isError ? (
        <Alert type="error" showIcon message={contactErrorText(t, notes.error)} />
      ) : !notes.data.items.length ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("contact.notes.empty")} />
      ) : (
        <ul style={{ listStyle: "none", margin: 0, padding: 0, display: "flex", flexDirection: "column", gap: 8 }}>
          {notes.data.items.map((note) => (
            <li
              key={note.id}
              data-note-id={note.id}
              style={{
                padding: 8,
                borderRadius: token.borderRadius,
                background: token.colorFillQuaternary,
                border: `1px solid ${token.colorBorderSecondary}`,
              }}
            >
              <div style={{ display: "flex", justifyContent: "space-between", alignItems: "center", gap: 4 }}>
                <Typography.Text type="secondary" style={{ fontSize: 12 }} ellipsis>
                  {note.author_name ?? t("contact.notes.unknownAuthor")}
                  {" · "}
                  <time dateTime={note.created_at} title={new Date(note.created_at).toLocaleString(i18n.language)}>
                    {relativeTime(note.created_at, i18n.language)}
                  </time>
                </Typography.Text>
                <Popconfirm
                  title={t("contact.notes.confirmDelete")}
                  okText={t("contact.notes.delete")}
                  cancelText={t("contact.cancel")}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => remove.mutateAsync(note.id)}
                >
                  <Button
                    type="text"
                    size="small"
                    icon={<DeleteOutlined />}
                    aria-label={t("contact.notes.delete")}
                    loading={remove.isPending && remove.variables === note.id}
                  />
                </Popconfirm>
              </div>
              <Typography.Paragraph style={{ margin: 0, whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
                {note.body}
              </Typography.Paragraph>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

import { CheckOutlined, CloseOutlined, EditOutlined } from "@ant-design/icons";
import { Alert, Button, Empty, Input, InputNumber, Select, Spin, Typography } from "antd";
import type { KeyboardEvent } from "react";
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { useAttributeDefinitions, useContactActions } from "./contactPaneApi";
import { contactErrorText } from "./contactPaneErrors";
import {
  attributeChanged,
  attributePatch,
  formatAttribute,
  parseDraft,
  toDraft,
  undefinedAttributes,
  type AttributeDefinition,
  type AttributeDraft,
  type Contact,
} from "./contactPaneModel";

/** The workspace's attributes with this contact's values, each editable in place by its type. */
export function ContactAttributes({ workspaceId, contact }: { workspaceId: string; contact: Contact }) {
  const { t } = useTranslation(["inbox", "translation"]);
  const definitions = useAttributeDefinitions(workspaceId);
  const [editing, setEditing] = useState<string | null>(null);

  if (definitions.isPending) return <Spin size="small" />;
  if (definitions.isError) return <Alert type="error" showIcon message={contactErrorText(t, definitions.error)} />;
  const orphans = undefinedAttributes(contact.attributes, definitions.data);
  if (!definitions.data.length && !orphans.length) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("contact.attributes.empty")} />;
  }
  return (
    <dl style={{ margin: 0, display: "flex", flexDirection: "column", gap: 8 }}>
      {definitions.data.map((definition) => (
        <AttributeRow
          key={definition.id}
          workspaceId={workspaceId}
          contact={contact}
          definition={definition}
          editing={editing === definition.key}
          onEdit={(on) => setEditing(on ? definition.key : null)}
        />
      ))}
      {orphans.map(([key, value]) => (
        <div key={key}>
          <dt>
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {key}
            </Typography.Text>
          </dt>
          <dd style={{ margin: 0 }}>{Array.isArray(value) ? value.join(", ") : String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function AttributeRow(props: {
  workspaceId: string;
  contact: Contact;
  definition: AttributeDefinition;
  editing: boolean;
  onEdit: (on: boolean) => void;
}) {
  const { contact, definition, editing, onEdit } = props;
  const { t, i18n } = useTranslation(["inbox", "translation"]);
  const { update } = useContactActions(props.workspaceId, contact.id);
  const stored = contact.attributes[definition.key];
  const [draft, setDraft] = useState<AttributeDraft>(() => toDraft(definition.type, stored));
  const [invalid, setInvalid] = useState<string | null>(null);
  const labels = { yes: t("contact.attributes.yes"), no: t("contact.attributes.no") };
  const shown = formatAttribute(definition.type, stored, i18n.language, labels);
  const labelId = `contact-attribute-${definition.id}`;

  const start = () => {
    setDraft(toDraft(definition.type, stored));
    setInvalid(null);
    update.reset();
    onEdit(true);
  };
  const save = () => {
    const parsed = parseDraft(definition.type, draft);
    if (!parsed.ok) {
      setInvalid(t(`contact.invalid.${parsed.reason}`));
      return;
    }
    if (!attributeChanged(stored, parsed.value)) {
      onEdit(false);
      return;
    }
    update.mutate(attributePatch(definition.key, parsed.value), { onSuccess: () => onEdit(false) });
  };
  // Enter saves and Escape cancels in every editor; an open Select keeps Enter for choosing.
  const keys = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      onEdit(false);
    }
  };
  const onEnter = (e: KeyboardEvent) => {
    if (e.key === "Enter") {
      e.preventDefault();
      save();
    }
  };

  return (
    <div>
      <dt id={labelId} style={{ display: "flex", alignItems: "center", justifyContent: "space-between", gap: 4 }}>
        <Typography.Text type="secondary" style={{ fontSize: 12 }} ellipsis>
          {definition.label}
        </Typography.Text>
        {!editing && (
          <Button
            type="text"
            size="small"
            icon={<EditOutlined />}
            aria-label={t("contact.attributes.edit", { label: definition.label })}
            onClick={start}
          />
        )}
      </dt>
      <dd style={{ margin: 0 }} onKeyDown={editing ? keys : undefined}>
        {!editing ? (
          shown ? (
            <Typography.Text style={{ wordBreak: "break-word" }}>{shown}</Typography.Text>
          ) : (
            <Typography.Text type="secondary" italic>
              {t("contact.attributes.unset")}
            </Typography.Text>
          )
        ) : (
          <div style={{ display: "flex", flexDirection: "column", gap: 4 }}>
            <Editor definition={definition} draft={draft} labelledBy={labelId} onChange={setDraft} onEnter={onEnter} />
            {invalid && (
              <Typography.Text type="danger" role="alert" style={{ fontSize: 12 }}>
                {invalid}
              </Typography.Text>
            )}
            {update.isError && <Alert type="error" showIcon message={contactErrorText(t, update.error)} />}
            <div style={{ display: "flex", gap: 4, justifyContent: "flex-end" }}>
              <Button
                size="small"
                type="primary"
                icon={<CheckOutlined />}
                loading={update.isPending}
                aria-label={t("contact.save")}
                onClick={save}
              />
              <Button size="small" icon={<CloseOutlined />} aria-label={t("contact.cancel")} onClick={() => onEdit(false)} />
            </div>
          </div>
        )}
      </dd>
    </div>
  );
}

function Editor(props: {
  definition: AttributeDefinition;
  draft: AttributeDraft;
  labelledBy: string;
  onChange: (draft: AttributeDraft) => void;
  onEnter: (e: KeyboardEvent) => void;
}) {
  const { t } = useTranslation(["inbox", "translation"]);
  const { definition, draft, onChange, labelledBy } = props;
  const text = typeof draft === "string" ? draft : "";
  switch (definition.type) {
    case "number":
      return (
        <InputNumber
          autoFocus
          aria-labelledby={labelledBy}
          style={{ width: "100%" }}
          value={typeof draft === "number" ? draft : null}
          onChange={(value) => onChange(typeof value === "number" ? value : null)}
          onKeyDown={props.onEnter}
        />
      );
    case "boolean":
      return (
        <Select
          autoFocus
          defaultOpen
          aria-labelledby={labelledBy}
          value={text}
          onChange={onChange}
          options={[
            { value: "true", label: t("contact.attributes.yes") },
            { value: "false", label: t("contact.attributes.no") },
            { value: "", label: t("contact.attributes.unset") },
          ]}
        />
      );
    case "list":
      return (
        <Select
          autoFocus
          mode="multiple"
          allowClear
          aria-labelledby={labelledBy}
          value={Array.isArray(draft) ? draft : []}
          onChange={(values: string[]) => onChange(values)}
          options={definition.options.map((o) => ({ value: o, label: o }))}
          placeholder={t("contact.attributes.unset")}
        />
      );
    case "date":
      return (
        <Input
          autoFocus
          type="date"
          aria-labelledby={labelledBy}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={props.onEnter}
        />
      );
    default:
      return (
        <Input.TextArea
          autoFocus
          autoSize={{ minRows: 1, maxRows: 6 }}
          aria-labelledby={labelledBy}
          value={text}
          onChange={(e) => onChange(e.target.value)}
          onKeyDown={(e) => {
            // Shift+Enter keeps a line break in long texts.
            if (!e.shiftKey) props.onEnter(e);
          }}
        />
      );
  }
}

import { CodeOutlined } from "@ant-design/icons";
import { Button, Dropdown, Form, Input, Select } from "antd";
import type { TextAreaRef } from "antd/es/input/TextArea";
import { useId, useRef, type ReactElement, type ReactNode } from "react";
import { useTranslation } from "react-i18next";

import { VARIABLES } from "./catalog";
import type { Graph } from "./types";

/** A labelled row whose label points at its control (so screen readers and tests find it by name). */
export function Field({ label, help, children, error }: { label: string; help?: ReactNode; error?: string; children: (id: string) => ReactElement }) {
  const id = useId();
  return (
    <Form.Item label={label} htmlFor={id} help={error ?? help} validateStatus={error ? "error" : undefined} style={{ marginBottom: 12 }}>
      {children(id)}
    </Form.Item>
  );
}

/** The variables a text may use in this graph, for the helper menu. */
export function variableChoices(graph: Graph): string[] {
  const saved = graph.nodes.flatMap((node) =>
    node.type === "http_request" && node.params.save && typeof node.params.save === "object" ? Object.keys(node.params.save).map((name) => `vars.${name}`) : [],
  );
  return [...VARIABLES, ...saved, ...(graph.trigger.type === "webhook" ? ["trigger.body."] : []), "contact.attributes."];
}

/** A text area with an "Insert variable" menu that puts `{{contact.name}}` etc. at the cursor. */
export function TextWithVariables({
  id,
  value,
  onChange,
  graph,
  rows = 4,
  placeholder,
}: {
  id: string;
  value: string;
  onChange(value: string): void;
  graph: Graph;
  rows?: number;
  placeholder?: string;
}) {
  const { t } = useTranslation("automation");
  const ref = useRef<TextAreaRef>(null);
  const insert = (name: string) => {
    const area = ref.current?.resizableTextArea?.textArea;
    const token = name.endsWith(".") ? `{{${name}key}}` : `{{${name}}}`;
    const start = area?.selectionStart ?? value.length;
    const end = area?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + token + value.slice(end));
    requestAnimationFrame(() => {
      area?.focus();
      const caret = name.endsWith(".") ? start + token.length - 5 : start + token.length;
      area?.setSelectionRange(caret, name.endsWith(".") ? caret + 3 : caret);
    });
  };
  return (
    <div>
      <Input.TextArea id={id} ref={ref} rows={rows} value={value} placeholder={placeholder} onChange={(event) => onChange(event.target.value)} />
      <Dropdown
        trigger={["click"]}
        menu={{
          items: variableChoices(graph).map((name) => ({ key: name, label: <code>{name.endsWith(".") ? `{{${name}…}}` : `{{${name}}}`}</code> })),
          onClick: ({ key }) => insert(key),
        }}
      >
        <Button size="small" type="link" icon={<CodeOutlined />} style={{ paddingInline: 0 }}>
          {t("form.insertVariable")}
        </Button>
      </Dropdown>
    </div>
  );
}

/** Free-form tags typed in (Enter or comma adds one). */
export function TagsInput({ id, value, onChange, placeholder }: { id: string; value: string[]; onChange(value: string[]): void; placeholder?: string }) {
  return (
    <Select
      id={id}
      mode="tags"
      value={value}
      tokenSeparators={[",", "，"]}
      open={false}
      suffixIcon={null}
      placeholder={placeholder}
      onChange={(next: string[]) => onChange(next.map((tag) => tag.trim()).filter(Boolean))}
      style={{ width: "100%" }}
    />
  );
}

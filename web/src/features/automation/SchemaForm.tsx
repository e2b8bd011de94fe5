import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, Card, Form, Input, InputNumber, Select, Space, Switch } from "antd";
import type { NamePath } from "antd/es/form/interface";
import { useTranslation } from "react-i18next";

import { useTeams } from "./api";
import { resolve, schemaDefaults, typeOf } from "./schema";
import type { JsonSchema } from "./types";

function label(key: string, schema: JsonSchema): string {
  return schema.title ?? key.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

function TeamPicker(props: { id?: string; value?: string; onChange?(value: string): void; ws: string }) {
  const teams = useTeams(props.ws);
  return (
    <Select
      id={props.id}
      value={props.value}
      onChange={props.onChange}
      showSearch
      optionFilterProp="label"
      loading={teams.isPending}
      options={(teams.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
    />
  );
}

const LONG_TEXT = /^(reply|text|question|message|body)$/;

/** The input for one field; Form.Item's id, value and onChange pass straight through to it. */
function Control({ name, schema, ws, ...field }: { name: string; schema: JsonSchema; ws: string } & Record<string, unknown>) {
  const type = typeOf(schema);
  if (schema.enum) return <Select {...field} options={schema.enum.map((value) => ({ value: value as string, label: String(value) }))} />;
  if (name.endsWith("team_id")) return <TeamPicker {...field} ws={ws} />;
  if (type === "integer" || type === "number") return <InputNumber {...field} min={schema.minimum} max={schema.maximum} style={{ width: "100%" }} />;
  if (type === "boolean") return <Switch {...field} />;
  if (type === "array") return <Select {...field} mode="tags" open={false} suffixIcon={null} tokenSeparators={[",", "，"]} />;
  if (LONG_TEXT.test(name) || schema.format === "textarea") return <Input.TextArea {...field} rows={3} />;
  return <Input {...field} />;
}

function Fields({ schema, root, ws, path }: { schema: JsonSchema; root: JsonSchema; ws: string; path: NamePath[] }) {
  const { t } = useTranslation("automation");
  const required = new Set(schema.required ?? []);
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([key, raw]) => {
        const field = resolve(raw, root);
        const itemSchema = field.items && resolve(field.items, root);
        const name = [...path, key] as (string | number)[];
        const type = typeOf(field);
        // Lists of objects (route-by-language's rules) get a row per item.
        if (type === "array" && itemSchema && typeOf(itemSchema) === "object")
          return (
            <Form.Item key={key} label={label(key, field)} extra={field.description} required={required.has(key)}>
              <Form.List name={name}>
                {(items, { add, remove }) => (
                  <Space direction="vertical" style={{ width: "100%" }}>
                    {items.map((item) => (
                      <Card
                        key={item.key}
                        size="small"
                        extra={<Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t("templates.removeItem")} onClick={() => remove(item.name)} />}
                      >
                        <Fields schema={itemSchema} root={root} ws={ws} path={[item.name]} />
                      </Card>
                    ))}
                    <Button icon={<PlusOutlined />} onClick={() => add(schemaDefaults(itemSchema, root))}>
                      {t("templates.addItem")}
                    </Button>
                  </Space>
                )}
              </Form.List>
            </Form.Item>
          );
        return (
          <Form.Item
            key={key}
            name={name}
            label={label(key, field)}
            extra={field.description}
            valuePropName={type === "boolean" ? "checked" : "value"}
            rules={required.has(key) ? [{ required: true, message: t("templates.required") }] : undefined}
          >
            <Control name={key} schema={field} ws={ws} />
          </Form.Item>
        );
      })}
    </>
  );
}

/** A form generated from a template's params_schema (strings, numbers, booleans, enums, lists). */
export function SchemaForm({ schema, ws }: { schema: JsonSchema; ws: string }) {
  return <Fields schema={schema} root={schema} ws={ws} path={[]} />;
}

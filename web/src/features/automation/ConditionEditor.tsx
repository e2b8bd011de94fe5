import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { AutoComplete, Button, Card, Input, Radio, Select, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";

import { CONDITION_FIELDS, CONDITION_OPS, UNARY_OPS } from "./catalog";
import type { Params } from "./types";

const MAX_DEPTH = 3;

/** Fields whose values are lists: `in` / `not_in` take several values. */
function isList(op: unknown): boolean {
  return op === "in" || op === "not_in";
}

function Rule({ rule, onChange, onRemove, index }: { rule: Params; onChange(rule: Params): void; onRemove(): void; index: number }) {
  const { t } = useTranslation("automation");
  const op = String(rule.op ?? "eq");
  return (
    <Space.Compact block style={{ flexWrap: "wrap", rowGap: 4 }}>
      <AutoComplete
        aria-label={t("condition.field", { n: index + 1 })}
        value={String(rule.field ?? "")}
        options={[...CONDITION_FIELDS, "contact.attributes.", "vars."].map((field) => ({ value: field, label: t(`fields.${field.replace(/\./g, "_")}`, { defaultValue: field }) }))}
        // A field already chosen lists them all again, so it can be changed without clearing it first.
        filterOption={(input, option) =>
          (CONDITION_FIELDS as readonly string[]).includes(input) ||
          String(option?.value ?? "").includes(input) ||
          String(option?.label ?? "").toLowerCase().includes(input.toLowerCase())
        }
        onChange={(field: string) => onChange({ ...rule, field })}
        style={{ width: "40%", minWidth: 140 }}
      />
      <Select
        aria-label={t("condition.op", { n: index + 1 })}
        value={op}
        options={CONDITION_OPS.map((value) => ({ value, label: t(`ops.${value}`) }))}
        onChange={(next: string) => {
          const { value: _drop, ...rest } = rule;
          void _drop;
          onChange(UNARY_OPS.has(next) ? { ...rest, op: next } : { ...rule, op: next, value: isList(next) ? [] : isList(op) ? "" : (rule.value ?? "") });
        }}
        style={{ width: "28%", minWidth: 110 }}
      />
      {!UNARY_OPS.has(op) &&
        (isList(op) ? (
          <Select
            aria-label={t("condition.value", { n: index + 1 })}
            mode="tags"
            open={false}
            suffixIcon={null}
            value={Array.isArray(rule.value) ? (rule.value as string[]) : []}
            onChange={(value: string[]) => onChange({ ...rule, value })}
            style={{ width: "24%", minWidth: 100, flex: 1 }}
          />
        ) : (
          <Input
            aria-label={t("condition.value", { n: index + 1 })}
            value={rule.value === undefined ? "" : String(rule.value)}
            onChange={(event) => {
              const raw = event.target.value;
              const numeric = ["gt", "gte", "lt", "lte"].includes(op) && raw.trim() !== "" && !Number.isNaN(Number(raw));
              onChange({ ...rule, value: numeric ? Number(raw) : raw });
            }}
            style={{ width: "24%", minWidth: 100, flex: 1 }}
          />
        ))}
      <Button icon={<DeleteOutlined />} aria-label={t("condition.removeRule", { n: index + 1 })} onClick={onRemove} />
    </Space.Compact>
  );
}

/** A group of rules matched all or any, with nested groups a few levels deep. */
export function ConditionEditor({ value, onChange, depth = 0 }: { value: Params; onChange(value: Params): void; depth?: number }) {
  const { t } = useTranslation("automation");
  const rules = Array.isArray(value.rules) ? (value.rules as Params[]) : [];
  const setRules = (next: Params[]) => onChange({ ...value, rules: next });
  const setAt = (index: number, rule: Params) => setRules(rules.map((r, i) => (i === index ? rule : r)));
  const removeAt = (index: number) => setRules(rules.filter((_, i) => i !== index));

  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      <Radio.Group
        aria-label={t("condition.match")}
        value={value.match ?? "all"}
        onChange={(event) => onChange({ ...value, match: event.target.value })}
        optionType="button"
        size="small"
        options={[
          { value: "all", label: t("condition.all") },
          { value: "any", label: t("condition.any") },
        ]}
      />
      {rules.map((rule, index) =>
        Array.isArray(rule.rules) ? (
          <Card
            key={index}
            size="small"
            title={<Typography.Text type="secondary">{t("condition.group")}</Typography.Text>}
            extra={<Button size="small" type="text" icon={<DeleteOutlined />} aria-label={t("condition.removeGroup")} onClick={() => removeAt(index)} />}
          >
            <ConditionEditor value={rule} onChange={(next) => setAt(index, next)} depth={depth + 1} />
          </Card>
        ) : (
          <Rule key={index} index={index} rule={rule} onChange={(next) => setAt(index, next)} onRemove={() => removeAt(index)} />
        ),
      )}
      <Space wrap>
        <Button size="small" icon={<PlusOutlined />} onClick={() => setRules([...rules, { field: "contact.tags", op: "contains", value: "" }])}>
          {t("condition.addRule")}
        </Button>
        {depth < MAX_DEPTH && (
          <Button size="small" icon={<PlusOutlined />} onClick={() => setRules([...rules, { match: "any", rules: [{ field: "contact.tags", op: "contains", value: "" }] }])}>
            {t("condition.addGroup")}
          </Button>
        )}
      </Space>
    </Space>
  );
}

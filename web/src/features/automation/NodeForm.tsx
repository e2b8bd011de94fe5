import { Alert, Button, Form, Input, InputNumber, Radio, Select, Slider, Space, Switch, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";

import { useChannels, useChannelTemplates, useMembers, useTeams, useWorkflows } from "./api";
import { CONVERSATION_STATUSES, HTTP_METHODS, PRIORITIES, browserTimezone, defaultTriggerParams } from "./catalog";
import { ConditionEditor } from "./ConditionEditor";
import { Field, TagsInput, TextWithVariables } from "./fields";
import { cronText } from "./summary";
import { TRIGGER_TYPES, type Graph, type GraphNode, type Params, type Trigger, type TriggerType } from "./types";

interface Ctx {
  ws: string;
  graph: Graph;
  params: Params;
  set(change: Params): void;
}

function timezones(): string[] {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [browserTimezone(), "UTC"];
  }
}

function TimezoneSelect({ id, value, onChange }: { id: string; value: string; onChange(value: string): void }) {
  const options = useMemo(() => timezones().map((zone) => ({ value: zone, label: zone })), []);
  return <Select id={id} showSearch value={value || undefined} options={options} onChange={onChange} style={{ width: "100%" }} />;
}

function ChannelSelect({ ws, id, value, onChange, multiple }: { ws: string; id: string; value: unknown; onChange(value: unknown): void; multiple?: boolean }) {
  const { t } = useTranslation("automation");
  const channels = useChannels(ws);
  return (
    <Select
      id={id}
      mode={multiple ? "multiple" : undefined}
      allowClear
      loading={channels.isPending}
      placeholder={multiple ? t("form.anyChannel") : undefined}
      value={(value as string | string[] | undefined) ?? undefined}
      options={(channels.data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.type})` }))}
      onChange={onChange}
      style={{ width: "100%" }}
    />
  );
}

function TeamSelect({ ws, id, value, onChange }: { ws: string; id: string; value: unknown; onChange(value: string): void }) {
  const teams = useTeams(ws);
  return (
    <Select
      id={id}
      showSearch
      optionFilterProp="label"
      loading={teams.isPending}
      value={(value as string | undefined) || undefined}
      options={(teams.data ?? []).map((team) => ({ value: team.id, label: team.name }))}
      onChange={onChange}
      style={{ width: "100%" }}
    />
  );
}

function MemberSelect({ ws, id, value, onChange }: { ws: string; id: string; value: unknown; onChange(value: string): void }) {
  const members = useMembers(ws);
  return (
    <Select
      id={id}
      showSearch
      optionFilterProp="label"
      loading={members.isPending}
      value={(value as string | undefined) || undefined}
      options={(members.data ?? []).map((m) => ({ value: m.user_id, label: `${m.name} <${m.email}>` }))}
      onChange={onChange}
      style={{ width: "100%" }}
    />
  );
}

function num(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

/** The trigger's type and settings. */
export function TriggerForm({
  ws,
  trigger,
  graph,
  onChange,
  onRateLimit,
}: {
  ws: string;
  trigger: Trigger;
  graph: Graph;
  onChange(trigger: Trigger): void;
  onRateLimit(perMinute: number | null): void;
}) {
  const { t } = useTranslation("automation");
  const p = trigger.params;
  const set = (change: Params) => onChange({ ...trigger, params: { ...p, ...change } });
  const keywords = (p.keywords as Params | undefined) ?? { mode: "contains", values: [] };
  return (
    <Form layout="vertical" component="div">
      <Field label={t("form.triggerType")}>
        {(id) => (
          <Select
            id={id}
            showSearch
            optionFilterProp="label"
            value={trigger.type}
            options={TRIGGER_TYPES.map((type) => ({ value: type, label: t(`triggers.${type}`) }))}
            onChange={(type: TriggerType) => onChange({ type, params: defaultTriggerParams(type) })}
            style={{ width: "100%" }}
          />
        )}
      </Field>
      <Typography.Paragraph type="secondary">{t(`triggerHelp.${trigger.type}`)}</Typography.Paragraph>
      {(trigger.type === "message_received" || trigger.type === "conversation_created") && (
        <Field label={t("form.channels")}>
          {(id) => <ChannelSelect ws={ws} id={id} multiple value={p.channel_ids ?? []} onChange={(v) => set({ channel_ids: (v as string[]).length ? v : undefined })} />}
        </Field>
      )}
      {trigger.type === "message_received" && (
        <>
          <Field label={t("form.keywords")} help={t("form.keywordsHelp")}>
            {(id) => <TagsInput id={id} value={(keywords.values as string[]) ?? []} onChange={(values) => set({ keywords: values.length ? { ...keywords, values } : undefined })} />}
          </Field>
          <Field label={t("form.keywordMode")} help={p.keywords ? undefined : t("form.keywordModeHelp")}>
            {(id) => (
              <Select
                id={id}
                disabled={!p.keywords}
                value={String(keywords.mode ?? "contains")}
                options={["contains", "exact", "regex"].map((mode) => ({ value: mode, label: t(`keywordMode.${mode}`) }))}
                onChange={(mode: string) => set({ keywords: { ...keywords, mode } })}
                style={{ width: "100%" }}
              />
            )}
          </Field>
          <Field label={t("form.firstMessageOnly")}>
            {(id) => <Switch id={id} checked={Boolean(p.first_message_only)} onChange={(on) => set({ first_message_only: on || undefined })} />}
          </Field>
        </>
      )}
      {trigger.type === "conversation_status_changed" && (
        <Field label={t("form.toStatus")}>
          {(id) => (
            <Select
              id={id}
              allowClear
              placeholder={t("form.anyStatus")}
              value={(p.to as string | undefined) ?? undefined}
              options={CONVERSATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
              onChange={(to?: string) => set({ to })}
              style={{ width: "100%" }}
            />
          )}
        </Field>
      )}
      {(trigger.type === "tag_added" || trigger.type === "tag_removed") && (
        <Field label={t("form.tag")} help={t("form.anyTagHelp")}>
          {(id) => <Input id={id} value={String(p.tag ?? "")} onChange={(e) => set({ tag: e.target.value || undefined })} />}
        </Field>
      )}
      {trigger.type === "attribute_changed" && (
        <Field label={t("form.attributeKey")}>{(id) => <Input id={id} value={String(p.key ?? "")} onChange={(e) => set({ key: e.target.value })} />}</Field>
      )}
      {trigger.type === "schedule" && (
        <>
          <Field label={t("form.cron")} help={cronText(t, String(p.cron ?? "")) || t("form.cronHelp")}>
            {(id) => <Input id={id} value={String(p.cron ?? "")} onChange={(e) => set({ cron: e.target.value })} style={{ fontFamily: "monospace" }} />}
          </Field>
          <Field label={t("form.timezone")}>{(id) => <TimezoneSelect id={id} value={String(p.timezone ?? "")} onChange={(timezone) => set({ timezone })} />}</Field>
          <Field label={t("form.backfill")}>
            {(id) => (
              <Select
                id={id}
                value={String(p.backfill ?? "skip")}
                options={["skip", "once"].map((v) => ({ value: v, label: t(`backfill.${v}`) }))}
                onChange={(backfill: string) => set({ backfill })}
                style={{ width: "100%" }}
              />
            )}
          </Field>
          <Field label={t("form.contactTags")} help={t("form.contactTagsHelp")}>
            {(id) => <TagsInput id={id} value={(p.contact_tags as string[]) ?? []} onChange={(tags) => set({ contact_tags: tags.length ? tags : undefined })} />}
          </Field>
        </>
      )}
      {(trigger.type === "customer_waiting" || trigger.type === "agent_waiting") && (
        <>
          <Field label={t("form.minutes")}>{(id) => <InputNumber id={id} min={1} value={num(p.minutes)} onChange={(minutes) => set({ minutes })} />}</Field>
          <Field label={t("form.businessHours")}>
            {(id) => <Switch id={id} checked={Boolean(p.business_hours)} onChange={(business_hours) => set({ business_hours })} />}
          </Field>
        </>
      )}
      {trigger.type === "webhook" && <Alert type="info" showIcon message={t("form.webhookHelp")} />}
      <Field label={t("form.rateLimit")} help={t("form.rateLimitHelp")}>
        {(id) => (
          <InputNumber
            id={id}
            min={1}
            placeholder={t("form.noLimit")}
            value={graph.settings?.rate_limit_per_minute ?? null}
            onChange={(value) => onRateLimit(value ?? null)}
          />
        )}
      </Field>
    </Form>
  );
}

function SendMessageFields({ ws, graph, params, set }: Ctx) {
  const { t } = useTranslation("automation");
  const template = params.template as Params | undefined;
  // Only to list its templates: a send goes out on the conversation's channel.
  const [channelId, setChannelId] = useState<string | undefined>();
  const templates = useChannelTemplates(ws, channelId);
  return (
    <>
      <Field label={t("form.messageKind")}>
        {(id) => (
          <Radio.Group
            id={id}
            optionType="button"
            value={template ? "template" : "text"}
            options={[
              { value: "text", label: t("form.kindText") },
              { value: "template", label: t("form.kindTemplate") },
            ]}
            onChange={(e) => set(e.target.value === "template" ? { text: undefined, template: { name: "", language: "", body_params: [] } } : { template: undefined, text: "" })}
          />
        )}
      </Field>
      {template ? (
        <>
          <Field label={t("form.templateChannel")} help={t("form.templateChannelHelp")}>
            {(id) => <ChannelSelect ws={ws} id={id} value={channelId} onChange={(v) => setChannelId(v as string | undefined)} />}
          </Field>
          <Field label={t("form.template")}>
            {(id) => (
              <Select
                id={id}
                showSearch
                disabled={!channelId}
                loading={templates.isFetching}
                value={template.name ? `${String(template.name)}|${String(template.language)}` : undefined}
                options={(templates.data ?? []).map((tpl) => ({ value: `${tpl.name}|${tpl.language}`, label: `${tpl.name} (${tpl.language})` }))}
                onChange={(key: string) => {
                  const chosen = templates.data?.find((tpl) => `${tpl.name}|${tpl.language}` === key);
                  if (!chosen) return;
                  set({
                    template: {
                      name: chosen.name,
                      language: chosen.language,
                      body_params: Array.from({ length: chosen.body_params }, (_, i) => (template.body_params as string[] | undefined)?.[i] ?? ""),
                      ...(chosen.header_params ? { header_params: Array.from({ length: chosen.header_params }, () => "") } : {}),
                    },
                  });
                }}
                style={{ width: "100%" }}
              />
            )}
          </Field>
          {(["header_params", "body_params"] as const).map((key) =>
            ((template[key] as string[] | undefined) ?? []).map((value, index) => (
              <Field key={`${key}${index}`} label={t(`form.${key}`, { n: index + 1 })}>
                {(id) => (
                  <Input
                    id={id}
                    value={value}
                    onChange={(e) => {
                      const next = [...((template[key] as string[]) ?? [])];
                      next[index] = e.target.value;
                      set({ template: { ...template, [key]: next } });
                    }}
                  />
                )}
              </Field>
            )),
          )}
        </>
      ) : (
        <Field label={t("form.text")}>
          {(id) => <TextWithVariables id={id} graph={graph} value={String(params.text ?? "")} onChange={(text) => set({ text })} placeholder={t("form.textPlaceholder")} />}
        </Field>
      )}
    </>
  );
}

function NodeFields(ctx: Ctx & { node: GraphNode }) {
  const { t } = useTranslation("automation");
  const { ws, graph, params: p, set, node } = ctx;
  const workflows = useWorkflows(ws);
  const text = (key: string, label = `form.${key}`) => (
    <Field label={t(label)}>{(id) => <TextWithVariables id={id} graph={graph} value={String(p[key] ?? "")} onChange={(value) => set({ [key]: value })} />}</Field>
  );
  const input = (key: string, label = `form.${key}`, placeholder?: string) => (
    <Field label={t(label)}>{(id) => <Input id={id} value={String(p[key] ?? "")} placeholder={placeholder} onChange={(e) => set({ [key]: e.target.value })} />}</Field>
  );
  const number = (key: string, min: number, max: number, label = `form.${key}`) => (
    <Field label={t(label)}>{(id) => <InputNumber id={id} min={min} max={max} value={num(p[key])} onChange={(value) => set({ [key]: value ?? undefined })} />}</Field>
  );
  switch (node.type) {
    case "send_message":
      return <SendMessageFields {...ctx} />;
    case "ask_question":
      return (
        <>
          {text("text", "form.question")}
          {input("save_to_attribute")}
          {number("timeout_minutes", 1, 525_600)}
        </>
      );
    case "condition":
      return <ConditionEditor value={p} onChange={(value) => set(value)} />;
    case "ab_split":
      return (
        <Field label={t("form.percentA", { a: p.percent_a, b: 100 - Number(p.percent_a ?? 50) })}>
          {(id) => <Slider id={id} min={1} max={99} value={Number(p.percent_a ?? 50)} onChange={(percent_a) => set({ percent_a })} />}
        </Field>
      );
    case "wait": {
      const mode = String(p.mode ?? "duration");
      return (
        <>
          <Field label={t("form.waitMode")}>
            {(id) => (
              <Select
                id={id}
                value={mode}
                options={["duration", "until_time", "until_attribute"].map((m) => ({ value: m, label: t(`waitMode.${m}`) }))}
                onChange={(next: string) =>
                  set(
                    next === "duration"
                      ? { mode: next, seconds: 3600, time: undefined, timezone: undefined, key: undefined, offset_minutes: undefined }
                      : next === "until_time"
                        ? { mode: next, time: "09:00", timezone: browserTimezone(), seconds: undefined, key: undefined, offset_minutes: undefined }
                        : { mode: next, key: "", seconds: undefined, time: undefined, timezone: undefined },
                  )
                }
                style={{ width: "100%" }}
              />
            )}
          </Field>
          {mode === "duration" && (
            <Field label={t("form.waitMinutes")}>
              {(id) => (
                <InputNumber id={id} min={1} value={typeof p.seconds === "number" ? Math.round(p.seconds / 60) : null} onChange={(m) => set({ seconds: m ? m * 60 : undefined })} />
              )}
            </Field>
          )}
          {mode === "until_time" && (
            <>
              {input("time", "form.time", "09:00")}
              <Field label={t("form.timezone")}>{(id) => <TimezoneSelect id={id} value={String(p.timezone ?? "")} onChange={(timezone) => set({ timezone })} />}</Field>
            </>
          )}
          {mode === "until_attribute" && (
            <>
              {input("key", "form.attributeKey")}
              {number("offset_minutes", -525_600, 525_600)}
            </>
          )}
        </>
      );
    }
    case "add_tag":
    case "remove_tag":
      return <Field label={t("form.tags")}>{(id) => <TagsInput id={id} value={(p.tags as string[]) ?? []} onChange={(tags) => set({ tags })} />}</Field>;
    case "set_attribute":
      return (
        <>
          {input("key", "form.attributeKey")}
          {text("value", "form.value")}
        </>
      );
    case "assign": {
      const mode = String(p.mode ?? "team_round_robin");
      return (
        <>
          <Field label={t("form.assignMode")}>
            {(id) => (
              <Select
                id={id}
                value={mode}
                options={["user", "team_round_robin", "least_busy"].map((m) => ({ value: m, label: t(`assignMode.${m}`) }))}
                onChange={(next: string) => set({ mode: next, user_id: undefined, team_id: undefined })}
                style={{ width: "100%" }}
              />
            )}
          </Field>
          {mode === "user" ? (
            <Field label={t("form.member")}>{(id) => <MemberSelect ws={ws} id={id} value={p.user_id} onChange={(user_id) => set({ user_id })} />}</Field>
          ) : (
            <Field label={t("form.team")} help={mode === "least_busy" ? t("form.teamLeastBusy") : undefined}>
              {(id) => <TeamSelect ws={ws} id={id} value={p.team_id} onChange={(team_id) => set({ team_id })} />}
            </Field>
          )}
        </>
      );
    }
    case "set_status":
      return (
        <>
          <Field label={t("form.status")}>
            {(id) => (
              <Select
                id={id}
                value={String(p.status ?? "")}
                options={CONVERSATION_STATUSES.map((s) => ({ value: s, label: t(`status.${s}`) }))}
                onChange={(status: string) => set({ status, snooze_minutes: status === "snoozed" ? 60 : undefined })}
                style={{ width: "100%" }}
              />
            )}
          </Field>
          {p.status === "snoozed" && number("snooze_minutes", 1, 525_600)}
        </>
      );
    case "set_priority":
      return (
        <Field label={t("form.priority")}>
          {(id) => (
            <Select
              id={id}
              value={String(p.priority ?? "")}
              options={PRIORITIES.map((s) => ({ value: s, label: t(`priority.${s}`) }))}
              onChange={(priority: string) => set({ priority })}
              style={{ width: "100%" }}
            />
          )}
        </Field>
      );
    case "add_note":
      return text("text", "form.note");
    case "http_request":
      return (
        <>
          <Field label={t("form.method")}>
            {(id) => (
              <Select id={id} value={String(p.method ?? "POST")} options={HTTP_METHODS.map((m) => ({ value: m, label: m }))} onChange={(method: string) => set({ method })} style={{ width: "100%" }} />
            )}
          </Field>
          {input("url", "form.url", "https://")}
          {number("timeout_seconds", 1, 30)}
          <Field label={t("form.body")} help={t("form.bodyHelp")}>
            {(id) => (
              <TextWithVariables
                id={id}
                graph={graph}
                value={typeof p.body === "string" ? p.body : p.body ? JSON.stringify(p.body, null, 2) : ""}
                onChange={(body) => set({ body: body || undefined })}
              />
            )}
          </Field>
          <Field label={t("form.save")} help={t("form.saveHelp")}>
            {(id) => (
              <Input.TextArea
                id={id}
                rows={2}
                defaultValue={Object.entries((p.save as Record<string, string>) ?? {}).map(([k, v]) => `${k}=${v}`).join("\n")}
                onChange={(e) => {
                  const save = Object.fromEntries(
                    e.target.value
                      .split("\n")
                      .map((line) => line.split("=").map((part) => part.trim()))
                      .filter(([name, path]) => name && path),
                  );
                  set({ save: Object.keys(save).length ? save : undefined });
                }}
              />
            )}
          </Field>
        </>
      );
    case "start_workflow":
      return (
        <Field label={t("form.workflow")}>
          {(id) => (
            <Select
              id={id}
              showSearch
              optionFilterProp="label"
              value={(p.workflow_id as string) || undefined}
              options={(workflows.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
              onChange={(workflow_id: string) => set({ workflow_id })}
              style={{ width: "100%" }}
            />
          )}
        </Field>
      );
    case "stop":
      return input("reason", "form.reason");
  }
}

/** A step's settings and retry policy; every edit goes straight into the draft. */
export function NodeForm({ ws, graph, node, onChange }: { ws: string; graph: Graph; node: GraphNode; onChange(node: GraphNode): void }) {
  const { t } = useTranslation("automation");
  const set = (change: Params) => {
    const params = { ...node.params, ...change };
    for (const key of Object.keys(params)) if (params[key] === undefined) delete params[key];
    onChange({ ...node, params });
  };
  const retry = node.retry;
  return (
    <Form layout="vertical" component="div">
      <Typography.Paragraph type="secondary">{t(`nodeHelp.${node.type}`)}</Typography.Paragraph>
      <NodeFields ws={ws} graph={graph} params={node.params} set={set} node={node} />
      {node.type !== "stop" && node.type !== "condition" && node.type !== "ab_split" && node.type !== "wait" && (
        <Space wrap align="end" style={{ marginTop: 8 }}>
          <Field label={t("form.attempts")}>
            {(id) => (
              <InputNumber
                id={id}
                min={1}
                max={10}
                placeholder={node.type === "http_request" ? "3" : "1"}
                value={retry?.max_attempts ?? null}
                onChange={(max) => onChange({ ...node, retry: max ? { max_attempts: max, backoff_seconds: retry?.backoff_seconds ?? 30 } : undefined })}
              />
            )}
          </Field>
          {retry && (
            <Field label={t("form.backoff")}>
              {(id) => (
                <InputNumber id={id} min={0} max={3600} value={retry.backoff_seconds} onChange={(s) => onChange({ ...node, retry: { ...retry, backoff_seconds: s ?? 0 } })} />
              )}
            </Field>
          )}
          {retry && <Button onClick={() => onChange({ ...node, retry: undefined })}>{t("form.defaultRetry")}</Button>}
        </Space>
      )}
    </Form>
  );
}

import type { TFunction } from "i18next";

import { readCron } from "./cron";
import type { NodeType, Params, TriggerType } from "./types";

type T = TFunction<"automation">;

function short(text: unknown, length = 60): string {
  const value = typeof text === "string" ? text.trim() : "";
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}

function list(value: unknown): string {
  return Array.isArray(value) ? value.filter(Boolean).join(", ") : "";
}

/** The schedule trigger's cron in words, or "" when it is not a shape we read. */
export function cronText(t: T, cron: string): string {
  const reading = readCron(cron);
  switch (reading.kind) {
    case "every_minutes":
      return t("cron.everyMinutes", { count: reading.every });
    case "hourly":
      return t("cron.hourly", { minute: reading.minute });
    case "daily":
      return t("cron.daily", { time: reading.time });
    case "weekdays":
      return t("cron.days", { time: reading.time, days: reading.days.map((d) => t(`cron.day.${d}`)).join(", ") });
    case "monthly":
      return t("cron.monthly", { time: reading.time, day: reading.day });
    case "custom":
      return "";
  }
}

/** One line about a trigger's settings, for the list and the canvas. */
export function triggerSummary(t: T, type: TriggerType, p: Params): string {
  switch (type) {
    case "message_received": {
      const values = list((p.keywords as Params | undefined)?.values);
      return values ? t("summary.keywords", { values }) : t("summary.anyMessage");
    }
    case "schedule":
      return `${cronText(t, String(p.cron ?? "")) || String(p.cron ?? "")} (${String(p.timezone ?? "")})`;
    case "tag_added":
    case "tag_removed":
      return p.tag ? t("summary.tag", { tag: p.tag }) : "";
    case "attribute_changed":
      return String(p.key ?? "");
    case "conversation_status_changed":
      return p.to ? t(`status.${String(p.to)}`) : "";
    case "customer_waiting":
    case "agent_waiting":
      return t("summary.minutes", { count: Number(p.minutes ?? 0) });
    default:
      return "";
  }
}

export function nodeSummary(t: T, type: NodeType, p: Params): string {
  switch (type) {
    case "send_message": {
      const template = p.template as Params | undefined;
      return template ? t("summary.template", { name: template.name ?? "" }) : short(p.text);
    }
    case "ask_question":
    case "add_note":
      return short(p.text);
    case "condition": {
      const rules = Array.isArray(p.rules) ? (p.rules as Params[]) : [];
      const first = rules[0];
      if (!first) return "";
      const text = first.rules ? t("summary.group") : `${String(first.field ?? "")} ${t(`ops.${String(first.op ?? "eq")}`)} ${first.value === undefined ? "" : String(first.value)}`;
      return rules.length > 1 ? `${text} ${t("summary.more", { count: rules.length - 1 })}` : text;
    }
    case "ab_split":
      return t("summary.split", { a: p.percent_a, b: 100 - Number(p.percent_a ?? 50) });
    case "wait":
      if (p.mode === "until_time") return t("summary.untilTime", { time: p.time ?? "", timezone: p.timezone ?? "" });
      if (p.mode === "until_attribute") return t("summary.untilAttribute", { key: p.key ?? "" });
      return t("summary.seconds", { duration: duration(Number(p.seconds ?? 0)) });
    case "add_tag":
    case "remove_tag":
      return list(p.tags);
    case "set_attribute":
      return p.key ? `${String(p.key)} = ${short(p.value, 30)}` : "";
    case "assign":
      return t(`assignMode.${String(p.mode ?? "team_round_robin")}`);
    case "set_status":
      return p.status ? t(`status.${String(p.status)}`) : "";
    case "set_priority":
      return p.priority ? t(`priority.${String(p.priority)}`) : "";
    case "http_request":
      return `${String(p.method ?? "")} ${short(p.url, 40)}`;
    case "start_workflow":
    case "stop":
      return short(p.reason, 40);
  }
}

/** 90 → "1m 30s", 7200 → "2h". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "0s";
  const parts: string[] = [];
  const units: [string, number][] = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
  let rest = Math.round(seconds);
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.slice(0, 2).join(" ");
}

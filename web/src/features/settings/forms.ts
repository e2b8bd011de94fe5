import type { Schemas } from "../../api/client";

// The server's own patterns (web/openapi.json), checked here so a typo is caught before sending.
export const TELEGRAM_TOKEN = /^\d{1,20}:[A-Za-z0-9_-]{20,100}$/;
export const NUMERIC_ID = /^\d{1,30}$/;

export interface TelegramValues {
  name: string;
  bot_token: string;
  mode: Schemas["TelegramMode"];
  api_base_url?: string;
}

export interface WhatsAppValues {
  name: string;
  phone_number_id: string;
  access_token: string;
  app_secret: string;
  verify_token: string;
  business_account_id?: string;
  api_base_url?: string;
}

/** Field name to the key of its problem (`settings:connect.invalid.*`); empty when the values can be sent. */
export type FormProblems = Partial<Record<string, "required" | "format" | "tooLong">>;

function text(value: string | undefined): string {
  return (value ?? "").trim();
}

const HTTP_URL = /^https?:\/\/\S+$/;

/** The optional API server (a self-hosted Telegram Bot API server, a pinned Graph version). */
function checkApiBase(problems: FormProblems, value: string | undefined): void {
  const url = text(value);
  if (url && !HTTP_URL.test(url)) problems.api_base_url = "format";
}

/** `api_base_url` when one was typed; left out, the provider's public API is used. */
function apiBase(value: string | undefined): { api_base_url?: string } {
  const url = text(value);
  return url ? { api_base_url: url } : {};
}

function need(problems: FormProblems, field: string, value: string, max = 1000): void {
  if (!value) problems[field] = "required";
  else if (value.length > max) problems[field] = "tooLong";
}

export function checkTelegram(values: TelegramValues): FormProblems {
  const problems: FormProblems = {};
  need(problems, "name", text(values.name), 200);
  const token = text(values.bot_token);
  need(problems, "bot_token", token);
  if (token && !TELEGRAM_TOKEN.test(token)) problems.bot_token = "format";
  checkApiBase(problems, values.api_base_url);
  return problems;
}

export function checkWhatsApp(values: WhatsAppValues): FormProblems {
  const problems: FormProblems = {};
  need(problems, "name", text(values.name), 200);
  for (const field of ["phone_number_id", "access_token", "app_secret", "verify_token"] as const) {
    need(problems, field, text(values[field]));
  }
  for (const field of ["phone_number_id", "business_account_id"] as const) {
    const value = text(values[field]);
    if (value && !NUMERIC_ID.test(value)) problems[field] = "format";
  }
  checkApiBase(problems, values.api_base_url);
  return problems;
}

export function telegramBody(values: TelegramValues): Schemas["TelegramChannelCreateIn"] {
  return {
    type: "telegram",
    name: text(values.name),
    bot_token: text(values.bot_token),
    mode: values.mode,
    ...apiBase(values.api_base_url),
  };
}

/** Everything trimmed: pasted secrets often carry a stray newline or space. */
export function whatsappBody(values: WhatsAppValues): Schemas["WhatsAppChannelCreateIn"] {
  const business = text(values.business_account_id);
  return {
    type: "whatsapp_cloud",
    name: text(values.name),
    phone_number_id: text(values.phone_number_id),
    access_token: text(values.access_token),
    app_secret: text(values.app_secret),
    verify_token: text(values.verify_token),
    ...(business ? { business_account_id: business } : {}),
    ...apiBase(values.api_base_url),
  };
}

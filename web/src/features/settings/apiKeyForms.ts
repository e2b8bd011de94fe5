import type { Schemas } from "../../api/client";

export type ApiKey = Schemas["ApiKeyOut"];
export type ApiKeyCreated = Schemas["ApiKeyCreatedOut"];
export type Scope = Schemas["Scope"];
export const SCOPES: readonly Scope[] = ["read", "write", "admin"];

/** Days until the key stops working; 0 for never. */
export const EXPIRY_DAYS = [0, 30, 90, 365] as const;
export type ExpiryDays = (typeof EXPIRY_DAYS)[number];

export interface ApiKeyValues {
  name: string;
  scope: Scope;
  expiresInDays: ExpiryDays;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The create body. One access level is chosen: the scopes add up to the highest of them
 * anyway, so a list would only invite doubt.
 */
export function apiKeyBody(values: ApiKeyValues, now: number = Date.now()): Schemas["ApiKeyCreateIn"] {
  return {
    name: values.name.trim(),
    scopes: [values.scope],
    expires_at: values.expiresInDays ? new Date(now + values.expiresInDays * DAY_MS).toISOString() : null,
  };
}

export type ApiKeyState = "active" | "expired" | "revoked";

export function apiKeyState(apiKey: ApiKey, now: number = Date.now()): ApiKeyState {
  if (apiKey.revoked_at) return "revoked";
  if (apiKey.expires_at && new Date(apiKey.expires_at).getTime() <= now) return "expired";
  return "active";
}

/** Working keys first, newest first within each group. */
export function sortApiKeys(keys: readonly ApiKey[], now: number = Date.now()): ApiKey[] {
  const rank = (k: ApiKey) => (apiKeyState(k, now) === "active" ? 0 : 1);
  return [...keys].sort((a, b) => rank(a) - rank(b) || b.created_at.localeCompare(a.created_at));
}

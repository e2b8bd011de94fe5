// Pure rules and mappings for canned responses, free of the API client so tests run anywhere.

import type { Schemas } from "../../api/client";

export type CannedResponse = Schemas["CannedResponseOut"];
export type CannedResponseIn = Schemas["CannedResponseIn"];
/** A PATCH body: only the fields sent change. */
export type CannedResponsePatch = { [K in keyof CannedResponseIn]?: CannedResponseIn[K] };

/** The server's rule for shortcuts: what follows the `/` typed in the composer. */
export const SHORTCUT = /^[a-z0-9_-]{1,32}$/;
// The server's limits (CannedResponseIn in web/openapi.json).
export const TITLE_MAX = 100;
export const BODY_MAX = 4000;

/** What people type is forgiven a leading `/`, capitals and surrounding spaces. */
export function normaliseShortcut(value: string | undefined): string {
  return (value ?? "").trim().replace(/^\/+/, "").toLowerCase();
}

export type CannedProblems = Partial<Record<keyof CannedResponseIn, "required" | "format" | "tooLong">>;

/** Field to the key of its problem (`settings:canned.invalid.*`); empty when the values can be sent. */
export function checkCanned(values: Partial<CannedResponseIn>): CannedProblems {
  const problems: CannedProblems = {};
  const shortcut = normaliseShortcut(values.shortcut);
  if (!shortcut) problems.shortcut = "required";
  else if (shortcut.length > 32) problems.shortcut = "tooLong";
  else if (!SHORTCUT.test(shortcut)) problems.shortcut = "format";
  const title = (values.title ?? "").trim();
  if (!title) problems.title = "required";
  else if (title.length > TITLE_MAX) problems.title = "tooLong";
  const body = (values.body ?? "").trim();
  if (!body) problems.body = "required";
  else if (body.length > BODY_MAX) problems.body = "tooLong";
  return problems;
}

/** The POST body: shortcut normalised, title trimmed, body kept as written apart from its ends. */
export function cannedBody(values: CannedResponseIn): CannedResponseIn {
  return { shortcut: normaliseShortcut(values.shortcut), title: values.title.trim(), body: values.body.trim() };
}

/** The PATCH body: only what changed, so an edit does not overwrite someone else's other field. */
export function cannedPatch(original: CannedResponseIn, values: CannedResponseIn): CannedResponsePatch {
  const next = cannedBody(values);
  const patch: CannedResponsePatch = {};
  for (const field of ["shortcut", "title", "body"] as const) {
    if (next[field] !== original[field]) patch[field] = next[field];
  }
  return patch;
}

/**
 * The shortcut being typed when a draft is just `/` and a word (`/gre` → "gre", `/` → ""),
 * else null: the composer opens its canned-response picker on it.
 */
export function shortcutQuery(draft: string): string | null {
  const match = /^\/([a-z0-9_-]{0,32})$/i.exec(draft);
  return match ? match[1].toLowerCase() : null;
}

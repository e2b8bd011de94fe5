import type { Schemas } from "../../api/client";

/** The contact pane's pure parts: editor values, display text and PATCH bodies. */

export type Contact = Schemas["ContactDetailOut"];
export type AttributeDefinition = Schemas["AttributeDefinitionOut"];
export type AttributeType = Schemas["AttributeType"];
export type Consent = Schemas["ConsentOut"];
export type ContactUpdate = Schemas["ContactUpdateIn"];

/** What an attribute editor holds: text for text/date/boolean ("" is unset), a number, or options. */
export type AttributeDraft = string | number | null | string[];

/** A parsed editor value: `null` removes the attribute (PATCH merges key by key). */
export type ParsedAttribute = { ok: true; value: unknown } | { ok: false; reason: "number" | "date" };

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isIsoDate(text: string): boolean {
  const match = ISO_DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-30 over to March: only a real day reads back the same.
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** The editor's starting value for a stored value of the given type. */
export function toDraft(type: AttributeType, value: unknown): AttributeDraft {
  if (value === undefined || value === null) return type === "number" ? null : type === "list" ? [] : "";
  switch (type) {
    case "number":
      return typeof value === "number" ? value : Number.isFinite(Number(value)) ? Number(value) : null;
    case "boolean":
      return value === true ? "true" : value === false ? "false" : "";
    case "list":
      return Array.isArray(value) ? value.map(String) : [String(value)];
    default:
      return String(value);
  }
}

/** The value to send for an editor value; an empty editor removes the attribute. */
export function parseDraft(type: AttributeType, draft: AttributeDraft): ParsedAttribute {
  switch (type) {
    case "number": {
      if (draft === null || draft === "") return { ok: true, value: null };
      const number = typeof draft === "number" ? draft : Number(String(draft).trim());
      return Number.isFinite(number) ? { ok: true, value: number } : { ok: false, reason: "number" };
    }
    case "boolean":
      return { ok: true, value: draft === "true" ? true : draft === "false" ? false : null };
    case "list": {
      const chosen = Array.isArray(draft) ? [...new Set(draft.map((v) => v.trim()).filter(Boolean))] : [];
      // The server refuses an empty list: no options chosen means no value.
      return { ok: true, value: chosen.length ? chosen : null };
    }
    case "date": {
      const text = typeof draft === "string" ? draft.trim() : "";
      if (!text) return { ok: true, value: null };
      return isIsoDate(text) ? { ok: true, value: text } : { ok: false, reason: "date" };
    }
    default: {
      const text = typeof draft === "string" ? draft.trim() : draft === null ? "" : String(draft);
      return { ok: true, value: text || null };
    }
  }
}

export type FormatLabels = { yes: string; no: string };

/** A stored value as people read it; "" when unset. */
export function formatAttribute(type: AttributeType, value: unknown, language: string, labels: FormatLabels): string {
  if (value === undefined || value === null || value === "") return "";
  switch (type) {
    case "number":
      return typeof value === "number" ? new Intl.NumberFormat(language).format(value) : String(value);
    case "boolean":
      return value === true ? labels.yes : value === false ? labels.no : String(value);
    case "date": {
      const text = String(value);
      if (!isIsoDate(text)) return text;
      // A calendar day, not an instant: formatted in UTC so no time zone moves it a day.
      return new Date(`${text}T00:00:00Z`).toLocaleDateString(language, { timeZone: "UTC", dateStyle: "medium" });
    }
    case "list":
      return Array.isArray(value) ? value.join(", ") : String(value);
    default:
      return String(value);
  }
}

/** Stored values whose key has no definition (left from a deleted one): shown, not edited. */
export function undefinedAttributes(attributes: Record<string, unknown>, definitions: AttributeDefinition[]): [string, unknown][] {
  const known = new Set(definitions.map((d) => d.key));
  return Object.entries(attributes).filter(([key]) => !known.has(key));
}

export const PROFILE_FIELDS = ["name", "phone", "email", "language"] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];
export type ProfileDraft = Record<ProfileField, string>;

export function profileDraft(contact: Contact): ProfileDraft {
  return {
    name: contact.name ?? "",
    phone: contact.phone ?? "",
    email: contact.email ?? "",
    language: contact.language ?? "",
  };
}

/**
 * The PATCH body for the profile fields that changed, or null when none did. An emptied field
 * is sent as null, which clears it; fields left out stay as they are.
 */
export function profilePatch(contact: Contact, draft: ProfileDraft): ContactUpdate | null {
  const body: ContactUpdate = {};
  let changed = false;
  for (const field of PROFILE_FIELDS) {
    const next = draft[field].trim() || null;
    if (next !== (contact[field] ?? null)) {
      body[field] = next;
      changed = true;
    }
  }
  return changed ? body : null;
}

/** The PATCH body that sets (or, with null, removes) one attribute. */
export function attributePatch(key: string, value: unknown): ContactUpdate {
  return { attributes: { [key]: value } };
}

/** Whether a parsed value differs from what is stored (lists compared by their items). */
export function attributeChanged(stored: unknown, next: unknown): boolean {
  const normal = (v: unknown) => (v === undefined || v === "" ? null : v);
  return JSON.stringify(normal(stored)) !== JSON.stringify(normal(next));
}

/** Tags typed into the add box that are new to the contact, trimmed and without repeats. */
export function newTags(have: string[], typed: string[]): string[] {
  const known = new Set(have);
  return [...new Set(typed.map((t) => t.trim()).filter((t) => t && !known.has(t)))];
}

export function consentFor(contact: Contact, channelId: string): Consent | undefined {
  return contact.consents.find((c) => c.channel_id === channelId);
}

/** The letter for the avatar: the name's, else the email's or phone's first character. */
export function initial(contact: Pick<Contact, "name" | "email" | "phone">): string {
  const source = contact.name?.trim() || contact.email?.trim() || contact.phone?.replace(/^\+/, "") || "";
  const first = [...source][0];
  return first ? first.toLocaleUpperCase() : "?";
}

/** "Chinese (China)" for "zh-CN" in the interface's language; the tag itself when unknown. */
export function languageName(tag: string, uiLanguage: string): string {
  try {
    return new Intl.DisplayNames([uiLanguage], { type: "language" }).of(tag) ?? tag;
  } catch {
    return tag;
  }
}

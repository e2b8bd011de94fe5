import type { TFunction } from "i18next";

import { ApiError } from "../../api/client";
import { errorText } from "../../errors";

/**
 * A contact change's error for people: the pane's wording for contact codes, else the app's,
 * with the fields the server rejected so a 422 says what to fix.
 */
export function contactErrorText(t: TFunction, error: unknown): string {
  const own = error instanceof ApiError && error.code ? t(`inbox:contact.errors.${error.code}`, { defaultValue: "" }) : "";
  const text = own || errorText(t, error);
  if (!(error instanceof ApiError)) return text;
  const attribute = (error.problem as { attribute?: unknown }).attribute;
  const fields = (error.problem.errors ?? [])
    .map((e) => e.loc.filter((part) => part !== "body" && typeof part === "string").at(-1))
    .filter((field): field is string => Boolean(field));
  if (typeof attribute === "string") fields.push(attribute);
  return fields.length ? `${text} (${[...new Set(fields)].join(", ")})` : text;
}

import type { TFunction } from "i18next";

import { ApiError } from "../../api/client";
import { errorText } from "../../errors";

/**
 * A problem+json error for people: the code's sentence (settings' own codes first, then the
 * app's), plus the fields the server rejected, so a 422 says what to fix.
 */
export function settingsErrorText(t: TFunction<["settings", "translation"]>, error: unknown): string {
  const text =
    error instanceof ApiError && error.code
      ? t(`errors.${error.code}`, { ns: "settings", defaultValue: errorText(t as unknown as TFunction, error) })
      : errorText(t as unknown as TFunction, error);
  if (!(error instanceof ApiError)) return text;
  const fields = (error.problem.errors ?? [])
    .map((e) => e.loc.filter((part) => part !== "body" && typeof part === "string").at(-1))
    .filter((field): field is string => Boolean(field));
  return fields.length ? `${text} (${[...new Set(fields)].join(", ")})` : text;
}

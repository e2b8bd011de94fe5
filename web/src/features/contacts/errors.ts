import type { TFunction } from "i18next";

import { ApiError } from "../../api/client";
import { errorText } from "../../errors";

/** A problem+json error for people: the contacts screen's own sentence for its code, else the app's. */
export function contactsErrorText(t: TFunction<["contacts", "translation"]>, error: unknown): string {
  const common = errorText(t as unknown as TFunction, error);
  if (error instanceof ApiError && error.code) {
    return t(`errors.${error.code}`, { ns: "contacts", defaultValue: common });
  }
  return common;
}

/** The server's detail for a problem (e.g. which CSV column is unknown), when it has one. */
export function problemDetail(error: unknown): string | undefined {
  return error instanceof ApiError ? error.problem.detail ?? undefined : undefined;
}

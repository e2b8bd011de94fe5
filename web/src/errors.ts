import type { TFunction } from "i18next";

import { ApiError } from "./api/client";

/** A sentence for people: the problem code's translation, else a generic one. */
export function errorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError && error.code) {
    return t(`errors.${error.code}`, { defaultValue: t("errors.generic") });
  }
  if (error instanceof TypeError) return t("errors.network"); // fetch could not connect
  return t("errors.generic");
}

import type { TFunction } from "i18next";

import { ApiError } from "../../api/client";
import { errorText } from "../../errors";

/** A send error for people: the inbox's own wording for channel codes, else the server's detail. */
export function sendErrorText(t: TFunction, error: unknown): string {
  if (error instanceof ApiError && error.code) {
    const own = t(`inbox:errors.${error.code}`, { defaultValue: "" });
    if (own) return own;
    if (error.problem.detail) return error.problem.detail;
  }
  return errorText(t, error);
}

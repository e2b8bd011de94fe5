import type { TFunction } from "i18next";

import { ApiError } from "../../api/client";
import { errorText } from "../../errors";
import type { GraphProblem } from "./types";

type T = TFunction<["automation", "translation"]>;

/** A problem+json error for people: automation's own codes first, then the app's. */
export function automationErrorText(t: T, error: unknown): string {
  if (error instanceof ApiError && error.code)
    return t(`errors.${error.code}`, { ns: "automation", defaultValue: errorText(t as unknown as TFunction, error) });
  return errorText(t as unknown as TFunction, error);
}

/** The graph problems in a 422 from publish, if that is what the error is. */
export function problemsOf(error: unknown): GraphProblem[] | null {
  if (!(error instanceof ApiError)) return null;
  const problems = (error.problem as { problems?: unknown }).problems;
  return Array.isArray(problems) ? (problems as GraphProblem[]) : null;
}

// Sentences that name the field a problem is about; the server's problems give it only in their message.
const NAMES_A_FIELD = new Set([
  "automation.missing_field",
  "automation.invalid_params",
  "automation.unknown_variable",
  "automation.bad_handle",
  "automation.duplicate_edge",
]);

/** One graph problem in the reader's language, with the server's own detail where it has one. */
export function problemText(t: T, problem: GraphProblem): string {
  const key = `problems.${problem.code}`;
  if (problem.field !== undefined) return t(key, { ns: "automation", defaultValue: problem.message, field: problem.field });
  const known = NAMES_A_FIELD.has(problem.code) ? "" : t(key, { ns: "automation", defaultValue: "" });
  return known ? `${known} (${problem.message})` : problem.message;
}

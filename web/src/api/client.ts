import createClient from "openapi-fetch";

import { createAuthFetch } from "./authFetch";
import type { components, paths } from "./schema";
import { localTokenStore } from "./tokens";

export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

export const tokens = localTokenStore();

/** The typed API client: paths, parameters and bodies checked against web/openapi.json. */
export const api = createClient<paths>({
  baseUrl: location.origin,
  fetch: createAuthFetch({ tokens }),
});

/** An API error carrying the problem+json body, thrown so TanStack Query sees a failure. */
export class ApiError extends Error {
  constructor(readonly problem: Partial<Problem> & { status: number }) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
  get code(): string | undefined {
    return this.problem.code;
  }
}

/** Unwraps an openapi-fetch result: the data, or an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as Partial<Problem>;
    throw new ApiError({ ...body, status: result.response.status });
  }
  return result.data as T;
}

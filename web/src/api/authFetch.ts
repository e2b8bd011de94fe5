import type { TokenStore } from "./tokens";

export const REFRESH_PATH = "/api/v1/auth/refresh";
// Requests that carry credentials themselves: a 401 from them is an answer, not an expiry.
const NO_REFRESH = ["/api/v1/auth/login", "/api/v1/auth/signup", REFRESH_PATH];

type Fetch = (request: Request) => Promise<Response>;

export interface AuthFetchOptions {
  tokens: TokenStore;
  fetch?: Fetch;
  /** Runs each refresh alone across tabs (navigator.locks in a browser). */
  lock?: <T>(task: () => Promise<T>) => Promise<T>;
}

async function browserLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  return locks ? await locks.request("relaydesk.refresh", task) : task();
}

/**
 * A fetch that sends the access token and, on a 401, trades the refresh token for a new pair
 * once and retries. Refresh tokens work once (docs/api.md), so refreshes run one at a time and
 * a caller whose token was already rotated by another request or tab just retries.
 */
export function createAuthFetch({ tokens, fetch: base, lock = browserLock }: AuthFetchOptions): Fetch {
  const send: Fetch = base ?? ((request) => globalThis.fetch(request));
  let queue: Promise<unknown> = Promise.resolve();

  function serialised<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(() => lock(task));
    queue = run.catch(() => undefined);
    return run;
  }

  async function refresh(used: string): Promise<boolean> {
    return serialised(async () => {
      const current = tokens.get();
      if (!current) return false;
      if (current.refresh_token !== used) return true; // rotated meanwhile: use the new pair
      let response: Response;
      try {
        response = await send(
          new Request(new URL(REFRESH_PATH, baseUrl()), {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ refresh_token: used }),
          }),
        );
      } catch {
        return false; // offline: keep the sign-in, the caller sees its 401
      }
      if (!response.ok) {
        if (response.status === 401) tokens.set(null); // the sign-in has ended
        return false;
      }
      const pair = (await response.json()) as { access_token: string; refresh_token: string };
      tokens.set({ access_token: pair.access_token, refresh_token: pair.refresh_token });
      return true;
    });
  }

  return async (request) => {
    const sent = tokens.get();
    const retry = request.clone(); // a body can be read only once
    const response = await send(withToken(request, sent?.access_token));
    if (response.status !== 401 || !sent || NO_REFRESH.includes(new URL(request.url).pathname)) {
      return response;
    }
    if (!(await refresh(sent.refresh_token))) return response;
    return send(withToken(retry, tokens.get()?.access_token));
  };
}

function withToken(request: Request, token: string | undefined): Request {
  if (token) request.headers.set("authorization", `Bearer ${token}`);
  return request;
}

function baseUrl(): string {
  return typeof location === "undefined" ? "http://localhost" : location.origin;
}

import { describe, expect, it } from "vitest";

import { createAuthFetch, REFRESH_PATH } from "./authFetch";
import { memoryTokenStore, type TokenPair } from "./tokens";

const BASE = "http://relaydesk.test";

/** A stand-in server: accepts one access token, rotates refresh tokens once each. */
function fakeServer(pair: TokenPair) {
  let valid = pair.access_token;
  let refreshToken = pair.refresh_token;
  let generation = 0;
  const calls: { path: string; auth: string | null; body: string }[] = [];
  let refreshAnswer: number | null = null;

  async function fetch(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    const body = await request.text();
    calls.push({ path, auth: request.headers.get("authorization"), body });
    if (path === REFRESH_PATH) {
      if (refreshAnswer !== null) return problem(refreshAnswer, "auth.session_revoked");
      if (JSON.parse(body).refresh_token !== refreshToken) return problem(401, "auth.refresh_token_reused");
      generation += 1;
      valid = `access-${generation}`;
      refreshToken = `rdr_${generation}`;
      return Response.json({ access_token: valid, refresh_token: refreshToken, token_type: "bearer", expires_in: 900 });
    }
    if (path === "/api/v1/auth/login") return problem(401, "auth.invalid_credentials");
    if (request.headers.get("authorization") !== `Bearer ${valid}`) return problem(401, "auth.token_expired");
    return Response.json({ ok: true, echo: body });
  }

  return {
    fetch,
    calls,
    refreshes: () => calls.filter((c) => c.path === REFRESH_PATH).length,
    expire: () => (valid = "nothing-matches-until-refresh"),
    refuseRefresh: (status: number) => (refreshAnswer = status),
  };
}

function problem(status: number, code: string): Response {
  return new Response(JSON.stringify({ status, code }), {
    status,
    headers: { "content-type": "application/problem+json" },
  });
}

function setup() {
  const tokens = memoryTokenStore({ access_token: "access-0", refresh_token: "rdr_0" });
  const server = fakeServer(tokens.get()!);
  const authFetch = createAuthFetch({ tokens, fetch: server.fetch, lock: (task) => task() });
  return { tokens, server, authFetch };
}

describe("createAuthFetch", () => {
  it("sends the access token", async () => {
    const { server, authFetch } = setup();
    const response = await authFetch(new Request(`${BASE}/api/v1/me`));
    expect(response.status).toBe(200);
    expect(server.calls[0].auth).toBe("Bearer access-0");
  });

  it("refreshes once on a 401 and retries with the new token and the same body", async () => {
    const { tokens, server, authFetch } = setup();
    server.expire();
    const response = await authFetch(
      new Request(`${BASE}/api/v1/things`, { method: "POST", body: JSON.stringify({ text: "hello" }) }),
    );
    expect(response.status).toBe(200);
    expect((await response.json()).echo).toBe('{"text":"hello"}');
    expect(server.refreshes()).toBe(1);
    expect(tokens.get()).toEqual({ access_token: "access-1", refresh_token: "rdr_1" });
    expect(server.calls.at(-1)?.auth).toBe("Bearer access-1");
  });

  it("spends the single-use refresh token once when requests fail together", async () => {
    const { tokens, server, authFetch } = setup();
    server.expire();
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => authFetch(new Request(`${BASE}/api/v1/me`))),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(server.refreshes()).toBe(1);
    expect(tokens.get()?.refresh_token).toBe("rdr_1");
  });

  it("signs out when the sign-in has ended, and does not retry", async () => {
    const { tokens, server, authFetch } = setup();
    server.expire();
    server.refuseRefresh(401);
    const response = await authFetch(new Request(`${BASE}/api/v1/me`));
    expect(response.status).toBe(401);
    expect(tokens.get()).toBeNull();
    expect(server.calls.map((c) => c.path)).toEqual(["/api/v1/me", REFRESH_PATH]);
  });

  it("keeps the sign-in when the refresh fails for another reason", async () => {
    const { tokens, server, authFetch } = setup();
    server.expire();
    server.refuseRefresh(503);
    expect((await authFetch(new Request(`${BASE}/api/v1/me`))).status).toBe(401);
    expect(tokens.get()?.refresh_token).toBe("rdr_0");
  });

  it("does not refresh on a failed log-in", async () => {
    const { server, authFetch } = setup();
    const response = await authFetch(new Request(`${BASE}/api/v1/auth/login`, { method: "POST", body: "{}" }));
    expect(response.status).toBe(401);
    expect(server.refreshes()).toBe(0);
  });
});

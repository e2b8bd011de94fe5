import { describe, expect, it } from "vitest";

import { apiKeyBody, apiKeyState, sortApiKeys, type ApiKey } from "./apiKeyForms";
import { invitationToken } from "./invitationLink";
import { passwordBody } from "./profile";

const NOW = Date.parse("2026-03-01T12:00:00Z");

function key(overrides: Partial<ApiKey> = {}): ApiKey {
  return {
    id: crypto.randomUUID(),
    name: "CRM",
    prefix: "rd_ab12",
    scopes: ["read"],
    created_at: "2026-01-01T00:00:00Z",
    expires_at: null,
    last_used_at: null,
    revoked_at: null,
    ...overrides,
  };
}

describe("API key form", () => {
  it("sends one scope, a trimmed name and no expiry for never", () => {
    expect(apiKeyBody({ name: "  CRM sync ", scope: "write", expiresInDays: 0 }, NOW)).toEqual({
      name: "CRM sync",
      scopes: ["write"],
      expires_at: null,
    });
  });

  it("turns days into an absolute expiry", () => {
    expect(apiKeyBody({ name: "x", scope: "read", expiresInDays: 30 }, NOW).expires_at).toBe("2026-03-31T12:00:00.000Z");
  });
});

describe("API key state", () => {
  it("is revoked, expired or active", () => {
    expect(apiKeyState(key({ revoked_at: "2026-02-01T00:00:00Z", expires_at: "2026-01-02T00:00:00Z" }), NOW)).toBe(
      "revoked",
    );
    expect(apiKeyState(key({ expires_at: "2026-03-01T12:00:00Z" }), NOW)).toBe("expired");
    expect(apiKeyState(key({ expires_at: "2026-03-02T00:00:00Z" }), NOW)).toBe("active");
    expect(apiKeyState(key(), NOW)).toBe("active");
  });

  it("lists working keys first, newest first", () => {
    const old = key({ name: "old", created_at: "2026-01-01T00:00:00Z" });
    const recent = key({ name: "recent", created_at: "2026-02-01T00:00:00Z" });
    const revoked = key({ name: "revoked", created_at: "2026-02-15T00:00:00Z", revoked_at: "2026-02-16T00:00:00Z" });
    expect(sortApiKeys([revoked, old, recent], NOW).map((k) => k.name)).toEqual(["recent", "old", "revoked"]);
  });
});

describe("invitation links", () => {
  it("read the token after # as the server writes it, or after ?", () => {
    expect(invitationToken("", "#token=abc-123")).toBe("abc-123");
    expect(invitationToken("?token=xyz", "")).toBe("xyz");
    expect(invitationToken("?other=1", "#token=%2Bplus")).toBe("+plus");
    expect(invitationToken("?token=", "")).toBeNull();
    expect(invitationToken("", "")).toBeNull();
  });
});

describe("password change", () => {
  it("sends the passwords exactly as typed", () => {
    expect(passwordBody({ current: " old pass ", next: "new pass ", confirm: "new pass " })).toEqual({
      current_password: " old pass ",
      new_password: "new pass ",
    });
  });
});

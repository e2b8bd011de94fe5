import { describe, expect, it } from "vitest";

import { checkTelegram, checkWhatsApp, telegramBody, whatsappBody } from "./forms";
import { channelHealth, healthSummary, type Channel } from "./health";

function channel(overrides: Partial<Channel> = {}): Channel {
  return {
    id: crypto.randomUUID(),
    type: "telegram",
    name: "Support bot",
    enabled: true,
    mode: "webhook",
    status: "connected",
    last_error: null,
    last_error_at: null,
    last_inbound_at: null,
    last_outbound_at: null,
    counters: { inbound: 0, outbound: 0, failed: 0 },
    config: {},
    credentials: {},
    outbound_url: null,
    created_at: "2026-01-01T00:00:00Z",
    ...overrides,
  };
}

describe("channel health", () => {
  it("shows a disabled channel as disabled whatever its last status, keeping the error for the tooltip", () => {
    const health = channelHealth(channel({ enabled: false, status: "disconnected", last_error: "401 Unauthorized" }));
    expect(health).toMatchObject({ state: "disabled", badge: "default", lastError: "401 Unauthorized" });
  });

  it("computes the failure rate over attempted sends only", () => {
    expect(channelHealth(channel()).failureRate).toBeNull();
    expect(channelHealth(channel({ counters: { inbound: 50, outbound: 3, failed: 1 } })).failureRate).toBe(0.25);
  });

  it("summarises by the worst enabled channel and counts the ones needing attention", () => {
    const summary = healthSummary([
      channel(),
      channel({ status: "degraded", last_error: "timeout" }),
      channel({ status: "disconnected", enabled: false }),
      channel({ type: "whatsapp_cloud" }),
    ]);
    expect(summary.counts).toEqual({ connected: 2, degraded: 1, disconnected: 0, disabled: 1 });
    expect(summary.needsAttention).toBe(1);
    expect(summary.worst).toBe("degraded");
    expect(healthSummary([channel({ enabled: false })]).worst).toBeNull();
    expect(healthSummary([channel(), channel({ status: "disconnected" })]).worst).toBe("disconnected");
  });
});

describe("connect forms", () => {
  const token = "123456:AAbbccddeeffgghhiijjkkll";

  it("rejects a Telegram token that is not BotFather's format, before sending", () => {
    expect(checkTelegram({ name: "Bot", bot_token: token, mode: "webhook" })).toEqual({});
    expect(checkTelegram({ name: " ", bot_token: "123456:short", mode: "polling" })).toEqual({
      name: "required",
      bot_token: "format",
    });
    expect(telegramBody({ name: " Bot ", bot_token: ` ${token}\n`, mode: "polling" })).toEqual({
      type: "telegram",
      name: "Bot",
      bot_token: token,
      mode: "polling",
    });
  });

  it("checks WhatsApp ids are numeric and leaves an empty business account id out", () => {
    const values = {
      name: "Sales",
      phone_number_id: "1055",
      access_token: "EAAG",
      app_secret: "s",
      verify_token: "v ",
      business_account_id: "  ",
    };
    expect(checkWhatsApp(values)).toEqual({});
    expect(checkWhatsApp({ ...values, phone_number_id: "+1 555", business_account_id: "abc", app_secret: "" })).toEqual({
      phone_number_id: "format",
      business_account_id: "format",
      app_secret: "required",
    });
    const body = whatsappBody(values);
    expect(body).not.toHaveProperty("business_account_id");
    expect(body.verify_token).toBe("v");
  });
});

import type { Schemas } from "../../api/client";

export type Channel = Schemas["ChannelOut"];

/** What a channel's badge shows: its status, or `disabled` when switched off (then nothing flows). */
export type HealthState = Schemas["ChannelStatus"] | "disabled";

export type BadgeStatus = "success" | "warning" | "error" | "default";

const BADGE: Record<HealthState, BadgeStatus> = {
  connected: "success",
  degraded: "warning",
  disconnected: "error",
  disabled: "default",
};

export interface ChannelHealth {
  state: HealthState;
  badge: BadgeStatus;
  /** The provider's last failure, for the badge's tooltip; null when there is none to show. */
  lastError: string | null;
  /** Share of sends that failed, 0..1; null before anything was sent. */
  failureRate: number | null;
}

export function channelHealth(channel: Channel): ChannelHealth {
  const state: HealthState = channel.enabled ? channel.status : "disabled";
  const { outbound, failed } = channel.counters;
  const attempts = outbound + failed;
  return {
    state,
    badge: BADGE[state],
    lastError: channel.last_error ?? null,
    failureRate: attempts > 0 ? failed / attempts : null,
  };
}

export interface HealthSummary {
  total: number;
  counts: Record<HealthState, number>;
  /** Enabled channels that are not connected: the ones someone should look at. */
  needsAttention: number;
  /** The worst state among enabled channels; null when none is enabled. */
  worst: Schemas["ChannelStatus"] | null;
}

const SEVERITY: Schemas["ChannelStatus"][] = ["connected", "degraded", "disconnected"];

/** The line above the channel list: how many are fine, how many need a look. */
export function healthSummary(channels: readonly Channel[]): HealthSummary {
  const counts: Record<HealthState, number> = { connected: 0, degraded: 0, disconnected: 0, disabled: 0 };
  let worst: HealthSummary["worst"] = null;
  for (const channel of channels) {
    const { state } = channelHealth(channel);
    counts[state] += 1;
    if (state !== "disabled" && (worst === null || SEVERITY.indexOf(state) > SEVERITY.indexOf(worst))) {
      worst = state;
    }
  }
  return { total: channels.length, counts, needsAttention: counts.degraded + counts.disconnected, worst };
}

import { describe, expect, it } from "vitest";

import { RealtimeClient, type SocketLike, type TypingFrame } from "./realtime";
import { activeTypists, nextExpiry, TYPING_EXPIRY_MS, TypingThrottle, withTypingFrame } from "./typing";

describe("typing throttle", () => {
  it("lets a frame go at most every 3 s while typing, and at once after a reset", () => {
    const throttle = new TypingThrottle(3_000);
    const sent = [0, 500, 1_000, 2_999, 3_000, 4_000, 6_100].filter((at) => throttle.take(at));
    expect(sent).toEqual([0, 3_000, 6_100]);
    throttle.reset();
    expect(throttle.take(6_200)).toBe(true);
    expect(throttle.take(6_300)).toBe(false);
  });
});

describe("typists", () => {
  it("expire about 6 s after their last start, are refreshed by another, and go on stop", () => {
    let typists = withTypingFrame(new Map(), { user_id: "ann", state: "start" }, 0);
    typists = withTypingFrame(typists, { user_id: "bob", state: "start" }, 1_000);
    expect(activeTypists(typists, 2_000)).toEqual(["ann", "bob"]);
    expect(nextExpiry(typists, 2_000)).toBe(TYPING_EXPIRY_MS - 2_000);
    expect(activeTypists(typists, TYPING_EXPIRY_MS)).toEqual(["bob"]);
    typists = withTypingFrame(typists, { user_id: "bob", state: "start" }, 5_000);
    expect(activeTypists(typists, 10_000)).toEqual(["bob"]);
    typists = withTypingFrame(typists, { user_id: "bob", state: "stop" }, 10_500);
    expect(activeTypists(typists, 10_500)).toEqual([]);
    expect(nextExpiry(typists, 10_500)).toBeNull();
  });

  it("ignores frames without a user (integrations)", () => {
    const before = new Map();
    expect(withTypingFrame(before, { user_id: null, state: "start" }, 0)).toBe(before);
  });
});

/** A socket the test answers as the gateway would (docs/realtime-protocol.md). */
class ScriptedSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  sent: Record<string, unknown>[] = [];
  send(data: string): void {
    const frame = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(frame);
    if (frame.type === "hello") this.push({ type: "welcome", heartbeat_seconds: 25 });
    if (frame.type === "subscribe") this.push({ type: "caught_up", position: 1, resync_conversation_ids: [] });
  }
  close(): void {
    this.readyState = 3;
  }
  push(frame: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify({ v: 1, ...frame }) });
  }
}

describe("typing over the realtime client", () => {
  it("sends typing frames only once subscribed, and hands others' frames to listeners", async () => {
    const socket = new ScriptedSocket();
    const client = new RealtimeClient({
      url: "ws://test",
      workspaceId: "w1",
      token: () => "good",
      createSocket: () => socket,
      setTimer: () => null,
      clearTimer: () => undefined,
    });
    client.start();
    expect(client.sendTyping("c1")).toBe(false); // not connected yet
    socket.readyState = 1;
    socket.onopen?.({});
    await Promise.resolve();
    expect(client.connectionState).toBe("online");

    expect(client.sendTyping("c1")).toBe(true);
    expect(client.sendTyping("c1", "stop")).toBe(true);
    expect(socket.sent.filter((f) => f.type === "typing")).toEqual([
      { v: 1, type: "typing", workspace_id: "w1", conversation_id: "c1", state: "start" },
      { v: 1, type: "typing", workspace_id: "w1", conversation_id: "c1", state: "stop" },
    ]);

    const heard: TypingFrame[] = [];
    const off = client.onTyping((frame) => heard.push(frame));
    const frame = { type: "typing", workspace_id: "w1", conversation_id: "c1", user_id: "u2", actor: { type: "user", id: "u2" } };
    socket.push({ ...frame, state: "start" });
    socket.push({ ...frame, workspace_id: "other", state: "start" }); // another workspace's
    socket.push({ ...frame, state: "stop" });
    off();
    socket.push({ ...frame, state: "start" });
    expect(heard.map((f) => [f.user_id, f.state])).toEqual([
      ["u2", "start"],
      ["u2", "stop"],
    ]);
    client.stop();
  });
});

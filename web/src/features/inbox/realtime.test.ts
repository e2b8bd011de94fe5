import { describe, expect, it } from "vitest";

import { RealtimeClient, type ConnectionState, type Message, type SocketLike, type WorkspaceEvent } from "./realtime";

const WS = "w1";

function message(conversationId: string, seq: number): Message {
  return {
    id: `${conversationId}-m${seq}`,
    conversation_id: conversationId,
    seq,
    direction: "in",
    sender_type: "contact",
    sender_id: null,
    type: "text",
    text: `hello ${seq}`,
    payload: {},
    external_id: null,
    status: null,
    error: null,
    created_at: "2026-03-01T09:30:00Z",
    edited_at: null,
    recalled_at: null,
  };
}

/** A socket whose other end is a FakeGateway. */
class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: SocketLike["onopen"] = null;
  onmessage: SocketLike["onmessage"] = null;
  onclose: SocketLike["onclose"] = null;
  onerror: SocketLike["onerror"] = null;
  received: Record<string, unknown>[] = [];
  subscribed = false;

  constructor(private readonly gateway: FakeGateway) {}

  send(data: string): void {
    const frame = JSON.parse(data) as Record<string, unknown>;
    this.received.push(frame);
    this.gateway.handle(this, frame);
  }

  close(): void {
    this.drop(1000, "");
  }

  /** The server side. */
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  push(frame: Record<string, unknown>): void {
    if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify({ v: 1, ...frame }) });
  }
  drop(code = 1006, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.gateway.sockets = this.gateway.sockets.filter((s) => s !== this);
    this.onclose?.({ code, reason });
  }
}

/**
 * A small gateway following docs/realtime-protocol.md for one workspace: positions, replay by
 * `after` and by `seqs`. `duplicateReplay` makes it resend what the client already has, as a
 * misbehaving proxy or a race could.
 */
class FakeGateway {
  sockets: FakeSocket[] = [];
  all: FakeSocket[] = [];
  position = 100;
  events: { position: number; event: WorkspaceEvent }[] = [];
  messages = new Map<string, Message[]>();
  duplicateReplay = false;
  /** What the client holds; the gateway accepts "good". */
  token = "good";
  resyncIds: string[] = [];

  connect = (): SocketLike => {
    const socket = new FakeSocket(this);
    this.sockets.push(socket);
    this.all.push(socket);
    return socket;
  };

  get live(): FakeSocket {
    return this.sockets[this.sockets.length - 1]!;
  }

  handle(socket: FakeSocket, frame: Record<string, unknown>): void {
    if (frame.type === "hello") {
      if (frame.token !== "good") {
        socket.push({ type: "error", code: "auth.token_expired", status: 401 });
        socket.drop(4401, "auth.token_expired");
        return;
      }
      socket.push({ type: "welcome", position: this.position, heartbeat_seconds: 25 });
    } else if (frame.type === "subscribe") {
      socket.push({ type: "subscribed", ref: frame.id, workspace_id: WS });
      const seqs = (frame.seqs ?? {}) as Record<string, number>;
      const sentSeq = new Map(Object.entries(seqs));
      for (const [id, seq] of Object.entries(seqs)) {
        if (this.resyncIds.includes(id)) continue;
        const from = this.duplicateReplay ? Math.max(0, seq - 1) : seq;
        const replay = (this.messages.get(id) ?? []).filter((m) => m.seq > from);
        if (replay.length) socket.push({ type: "messages", workspace_id: WS, conversation_id: id, messages: replay });
        sentSeq.set(id, Math.max(seq, ...replay.map((m) => m.seq)));
      }
      if (typeof frame.after === "number") {
        const after = this.duplicateReplay ? frame.after - 1 : frame.after;
        for (const e of this.events.filter((e) => e.position > after)) {
          const m = e.event.type === "message.created" ? e.event.message : null;
          if (!this.duplicateReplay && m && (sentSeq.get(m.conversation_id) ?? -1) >= m.seq) continue;
          socket.push(this.eventFrame(e.position, e.event));
        }
      }
      socket.subscribed = true;
      socket.push({ type: "caught_up", workspace_id: WS, position: this.position, resync_conversation_ids: this.resyncIds });
    }
  }

  /** A new message: stored, given a position and pushed live to subscribers. */
  add(conversationId: string): Message {
    const list = this.messages.get(conversationId) ?? [];
    const m = message(conversationId, list.length + 1);
    this.messages.set(conversationId, [...list, m]);
    this.emit({ type: "message.created", message: m });
    return m;
  }

  emit(event: WorkspaceEvent): void {
    this.position += 3; // positions are global: a workspace sees gaps
    this.events.push({ position: this.position, event });
    for (const s of this.sockets) if (s.subscribed) s.push(this.eventFrame(this.position, event));
  }

  private eventFrame(position: number, event: WorkspaceEvent) {
    return { type: "event", workspace_id: WS, position, event_type: event.type, event };
  }
}

/** Timers run only when the test says so. */
class Clock {
  private next = 1;
  pending = new Map<number, { callback: () => void; ms: number }>();
  set = (callback: () => void, ms: number): unknown => {
    const id = this.next++;
    this.pending.set(id, { callback, ms });
    return id;
  };
  clear = (handle: unknown): void => void this.pending.delete(handle as number);
  /** Fires the timers that are due within `ms`, earliest first. */
  advance(ms: number): void {
    const due = [...this.pending].filter(([, t]) => t.ms <= ms).sort((a, b) => a[1].ms - b[1].ms);
    for (const [id, t] of due) {
      this.pending.delete(id);
      t.callback();
    }
  }
}

function setup(gateway = new FakeGateway()) {
  const clock = new Clock();
  const got: Message[] = [];
  const events: WorkspaceEvent[] = [];
  const states: ConnectionState[] = [];
  const caughtUp: boolean[] = [];
  const resyncs: number[] = [];
  const fetched: [string, number][] = [];
  let refreshes = 0;
  const client = new RealtimeClient({
    url: "ws://relaydesk.test/api/v1/ws",
    workspaceId: WS,
    token: () => gateway.token,
    refreshToken: async () => {
      refreshes += 1;
      gateway.token = "good";
      return true;
    },
    fetchMessagesAfter: async (id, after) => {
      fetched.push([id, after]);
      return (gateway.messages.get(id) ?? []).filter((m) => m.seq > after);
    },
    createSocket: gateway.connect,
    backoff: (attempt) => 1000 * (attempt + 1),
    setTimer: clock.set,
    clearTimer: clock.clear,
    onMessage: (m) => got.push(m),
    onEvent: (e) => events.push(e),
    onStateChange: (s) => states.push(s),
    onCaughtUp: (resumed) => caughtUp.push(resumed),
    onResyncRequired: () => resyncs.push(1),
  });
  return { gateway, clock, client, got, events, states, caughtUp, resyncs, fetched, refreshes: () => refreshes };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
const seqsOf = (messages: Message[]) => messages.map((m) => `${m.conversation_id}:${m.seq}`);

describe("RealtimeClient", () => {
  it("authenticates with hello, subscribes with the held seqs and goes online", async () => {
    const { gateway, client, got, states } = setup();
    gateway.add("c1");
    gateway.add("c1");
    gateway.add("c1");
    // The REST API gave the client messages 1 and 2; message 3 came after that read.
    client.track("c1", gateway.messages.get("c1")!.slice(0, 2));
    client.start();
    gateway.live.open();
    await settle();

    const [hello, subscribe] = gateway.live.received;
    expect(hello).toMatchObject({ v: 1, type: "hello", token: "good" });
    expect(subscribe).toMatchObject({ type: "subscribe", workspace_id: WS, seqs: { c1: 2 } });
    expect(subscribe).not.toHaveProperty("after");
    expect(seqsOf(got)).toEqual(["c1:3"]);
    expect(states).toEqual(["connecting", "online"]);
    expect(client.lastPosition).toBe(gateway.position);
  });

  it("after a drop mid-stream, reconnects and gets the missed messages once, dropping duplicates", async () => {
    const { gateway, clock, client, got, states, caughtUp } = setup();
    client.track("c1", []);
    client.start();
    gateway.live.open();
    gateway.add("c1");
    gateway.add("c2");
    const before = client.lastPosition;

    gateway.live.drop(1006); // the network goes away
    expect(client.connectionState).toBe("reconnecting");
    gateway.add("c1"); // missed while offline
    gateway.add("c2");
    gateway.add("c1");
    gateway.duplicateReplay = true; // the replay repeats what the client had

    clock.advance(1000);
    expect(gateway.all).toHaveLength(2);
    gateway.live.open();
    await settle();

    const subscribe = gateway.live.received.find((f) => f.type === "subscribe")!;
    expect(subscribe.after).toBe(before);
    expect(subscribe.seqs).toEqual({ c1: 1, c2: 1 });
    expect(seqsOf(got)).toEqual(["c1:1", "c2:1", "c1:2", "c1:3", "c2:2"]);
    expect(states).toEqual(["connecting", "online", "reconnecting", "online"]);
    expect(caughtUp).toEqual([false, true]);

    gateway.add("c2"); // live again
    expect(seqsOf(got).slice(-1)).toEqual(["c2:3"]);
    expect(new Set(got.map((m) => m.id)).size).toBe(got.length);
  });

  it("applies each other event once, in position order, across a reconnect", async () => {
    const { gateway, clock, client, events } = setup();
    client.start();
    gateway.live.open();
    const m = gateway.add("c1");
    gateway.emit({ type: "message.status_changed", conversation_id: "c1", message_id: m.id, seq: 1, status: "sent" });
    gateway.live.drop();
    gateway.emit({ type: "message.status_changed", conversation_id: "c1", message_id: m.id, seq: 1, status: "read" });
    gateway.duplicateReplay = true;
    clock.advance(1000);
    gateway.live.open();
    await settle();
    expect(events.map((e) => (e.type === "message.status_changed" ? e.status : e.type))).toEqual(["sent", "read"]);
  });

  it("backs off longer after each failed attempt and resets once online", () => {
    const { gateway, clock, client } = setup();
    client.start();
    gateway.live.drop();
    expect([...clock.pending.values()].map((t) => t.ms)).toEqual([1000]);
    clock.advance(1000);
    gateway.live.drop();
    expect([...clock.pending.values()].map((t) => t.ms)).toEqual([2000]);
    clock.advance(2000);
    gateway.live.open();
    gateway.live.drop();
    expect([...clock.pending.values()].map((t) => t.ms)).toEqual([1000]);
  });

  it("answers ping with pong and reconnects when the server goes silent", () => {
    const { gateway, clock, client } = setup();
    client.start();
    gateway.live.open();
    gateway.live.push({ type: "ping" });
    expect(gateway.live.received.at(-1)).toMatchObject({ v: 1, type: "pong" });
    clock.advance(25_000 * 1.5 + 5_000); // no frame for a heartbeat and a margin
    expect(client.connectionState).toBe("reconnecting");
    clock.advance(1000);
    expect(gateway.all).toHaveLength(2);
  });

  it("fetches the conversations listed in resync_conversation_ids after the held seq", async () => {
    const { gateway, client, got, fetched } = setup();
    gateway.add("c1");
    gateway.add("c1");
    gateway.add("c1");
    gateway.resyncIds = ["c1"];
    client.track("c1", [], 1);
    client.start();
    gateway.live.open();
    await settle();
    expect(fetched).toEqual([["c1", 1]]);
    expect(seqsOf(got)).toEqual(["c1:2", "c1:3"]);
  });

  it("calls for a refetch on resync_required", () => {
    const { gateway, client, resyncs } = setup();
    client.start();
    gateway.live.open();
    gateway.live.push({ type: "resync_required", workspace_id: WS, position: 500 });
    expect(resyncs).toHaveLength(1);
    expect(client.lastPosition).toBe(500);
  });

  it("refreshes an expired token and reconnects; stops when the sign-in has ended", async () => {
    const { gateway, clock, client, refreshes } = setup();
    gateway.token = "stale";
    client.start();
    gateway.live.open();
    await settle();
    expect(refreshes()).toBe(1);
    clock.advance(1000);
    gateway.live.open();
    await settle();
    expect(client.connectionState).toBe("online");

    gateway.live.push({ type: "error", code: "auth.session_revoked" });
    gateway.live.drop(4401, "auth.session_revoked");
    await settle();
    expect(client.connectionState).toBe("unauthorized");
    expect(clock.pending.size).toBe(0); // no reconnect
  });

  it("stop closes the socket and schedules nothing", () => {
    const { gateway, clock, client } = setup();
    client.start();
    gateway.live.open();
    client.stop();
    expect(client.connectionState).toBe("stopped");
    expect(gateway.sockets).toHaveLength(0);
    expect(clock.pending.size).toBe(0);
  });
});

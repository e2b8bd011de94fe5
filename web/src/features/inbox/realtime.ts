import type { Schemas } from "../../api/client";

/** The WebSocket gateway's client (docs/realtime-protocol.md, version 1). */

export type Message = Schemas["MessageOut"];
export type ConversationOut = Omit<Schemas["ConversationView"], "unread_count">;

export type WorkspaceEvent =
  | { type: "message.created"; message: Message }
  | { type: "message.updated"; message: Message }
  | {
      type: "message.status_changed";
      conversation_id: string;
      message_id: string;
      seq: number;
      status: NonNullable<Message["status"]>;
      error?: Record<string, unknown> | null;
    }
  | { type: "conversation.created" | "conversation.updated"; conversation: ConversationOut }
  | { type: "conversation.read"; conversation_id: string; user_id: string; last_read_seq: number; unread_count: number }
  | { type: "contact.created" | "contact.updated" | "contact.merged" | "contact.deleted" };

/** Someone else typing in a conversation (ephemeral: never stored or replayed). */
export interface TypingFrame {
  workspace_id: string;
  conversation_id: string;
  user_id: string | null;
  actor?: { type: string; id: string | null };
  state: "start" | "stop";
}

/**
 * `online`: subscribed and caught up. `connecting`: the first attempt. `reconnecting`: the
 * connection dropped and the next attempt is scheduled. `unauthorized`: the sign-in has ended.
 */
export type ConnectionState = "connecting" | "online" | "reconnecting" | "unauthorized" | "stopped";

/** The part of the browser's WebSocket the client uses, so tests can script a server. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface RealtimeHandlers {
  /** A message not seen before (live, replayed by seq, or fetched after a resync), once each. */
  onMessage?(message: Message): void;
  /** Every other event (and message.updated), in position order, once each. */
  onEvent?(event: WorkspaceEvent): void;
  /** The position could not be resumed: the caller refetches what it shows. */
  onResyncRequired?(): void;
  /** Caught up after a (re)subscribe; `resumed` is false on the first subscription. */
  onCaughtUp?(resumed: boolean): void;
  onStateChange?(state: ConnectionState): void;
}

export interface RealtimeOptions extends RealtimeHandlers {
  url: string;
  workspaceId: string;
  token(): string | null;
  /** Trades the refresh token after `auth.token_expired`; false when the sign-in has ended. */
  refreshToken?(): Promise<boolean>;
  /** Messages of a conversation after a seq (`GET …/messages?after_seq=…`), for resync_conversation_ids. */
  fetchMessagesAfter?(conversationId: string, afterSeq: number): Promise<Message[]>;
  createSocket?(url: string): SocketLike;
  /** Delay before reconnect attempt `n` (0-based). */
  backoff?(attempt: number): number;
  setTimer?(callback: () => void, ms: number): unknown;
  clearTimer?(handle: unknown): void;
}

const OPEN = 1;
const MAX_SEQS = 500; // the server's limit per subscribe
const DEFAULT_HEARTBEAT_S = 25;

export function defaultBackoff(attempt: number): number {
  const base = Math.min(30_000, 500 * 2 ** attempt);
  return base / 2 + Math.random() * (base / 2); // jitter spreads a server restart's reconnects
}

type Frame = Record<string, unknown> & { type?: string };

export class RealtimeClient {
  private socket: SocketLike | null = null;
  private state: ConnectionState = "stopped";
  private attempt = 0;
  private retryTimer: unknown = null;
  private watchdog: unknown = null;
  private heartbeatMs = DEFAULT_HEARTBEAT_S * 1000;
  private position: number | null = null;
  /** Per conversation: the highest seq held, and the message ids held (dedupe). */
  private readonly seqs = new Map<string, number>();
  private readonly seen = new Map<string, Set<string>>();
  private subscribeCounter = 0;
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private readonly typingListeners = new Set<(frame: TypingFrame) => void>();

  constructor(private readonly options: RealtimeOptions) {}

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** The last event position applied (null before the first caught_up). */
  get lastPosition(): number | null {
    return this.position;
  }

  subscribeState(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.state !== "stopped") return;
    this.setState("connecting");
    this.connect();
  }

  stop(): void {
    this.clearTimers();
    this.setState("stopped");
    const socket = this.socket;
    this.socket = null;
    if (socket) this.detach(socket).close(1000);
  }

  /** Skips the backoff wait (e.g. the browser came back online). */
  retryNow(): void {
    if (this.state !== "reconnecting") return;
    this.clear(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  /**
   * Registers messages the caller already holds (from the REST API), so a reconnect resumes
   * the conversation after them and neither misses nor repeats one.
   */
  track(conversationId: string, messages: readonly Pick<Message, "id" | "seq">[], lastSeq?: number): void {
    const ids = this.idsOf(conversationId);
    let top = this.seqs.get(conversationId) ?? 0;
    for (const m of messages) {
      ids.add(m.id);
      top = Math.max(top, m.seq);
    }
    if (lastSeq !== undefined) top = Math.max(top, lastSeq);
    this.seqs.set(conversationId, top);
  }

  /** Typing frames from others; the chat pane listens while it is open. */
  onTyping(listener: (frame: TypingFrame) => void): () => void {
    this.typingListeners.add(listener);
    return () => this.typingListeners.delete(listener);
  }

  /** Tells the conversation's other watchers this member is typing (or stopped); false if offline. */
  sendTyping(conversationId: string, state: "start" | "stop" = "start"): boolean {
    if (this.state !== "online") return false; // the gateway refuses typing before the subscription
    return this.send({ type: "typing", workspace_id: this.options.workspaceId, conversation_id: conversationId, state });
  }

  /** Sends a frame now if connected; returns whether it went. */
  send(frame: Frame): boolean {
    if (!this.socket || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify({ v: 1, ...frame }));
    return true;
  }

  private connect(): void {
    const create = this.options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
    let socket: SocketLike;
    try {
      socket = create(this.options.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const token = this.options.token();
      if (!token) {
        this.socket = null;
        this.detach(socket).close(1000);
        this.setState("unauthorized");
        return;
      }
      socket.send(JSON.stringify({ v: 1, type: "hello", id: "hello", token }));
      this.armWatchdog();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.armWatchdog();
      let frame: Frame;
      try {
        frame = JSON.parse(String(event.data)) as Frame;
      } catch {
        return;
      }
      this.receive(frame);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      void this.closed(event.code, event.reason);
    };
    socket.onerror = () => undefined; // onclose follows and decides
  }

  private receive(frame: Frame): void {
    switch (frame.type) {
      case "welcome":
        this.heartbeatMs = Number(frame.heartbeat_seconds ?? DEFAULT_HEARTBEAT_S) * 1000;
        this.subscribe();
        return;
      case "ping":
        this.send({ type: "pong" });
        return;
      case "messages":
        for (const message of (frame.messages as Message[] | undefined) ?? []) this.deliverMessage(message);
        return;
      case "event":
        this.receiveEvent(frame);
        return;
      case "typing":
        if (frame.workspace_id === this.options.workspaceId) {
          const typing = { ...frame, state: frame.state === "stop" ? "stop" : "start" } as unknown as TypingFrame;
          this.typingListeners.forEach((listener) => listener(typing));
        }
        return;
      case "resync_required":
        this.position = Number(frame.position);
        this.options.onResyncRequired?.();
        return;
      case "caught_up":
        void this.caughtUp(frame);
        return;
      case "error":
        if (frame.code === "realtime.subscription_ended") {
          this.socket?.close(1000);
          this.setState("unauthorized");
        }
        return;
    }
  }

  private subscribe(): void {
    const seqs: Record<string, number> = {};
    // The most recently tracked conversations first: Map keeps insertion order.
    for (const [id, seq] of [...this.seqs].slice(-MAX_SEQS)) seqs[id] = seq;
    this.subscribeCounter += 1;
    const frame: Frame = {
      type: "subscribe",
      id: `s${this.subscribeCounter}`,
      workspace_id: this.options.workspaceId,
      seqs,
    };
    if (this.position !== null) frame.after = this.position;
    this.send(frame);
  }

  private receiveEvent(frame: Frame): void {
    const position = Number(frame.position);
    if (this.position !== null && position <= this.position) return; // already applied
    this.position = position;
    const event = frame.event as WorkspaceEvent;
    if (event.type === "message.created") {
      this.deliverMessage(event.message);
      return;
    }
    if (event.type === "message.updated") this.idsOf(event.message.conversation_id).add(event.message.id);
    this.options.onEvent?.(event);
  }

  private deliverMessage(message: Message): void {
    const ids = this.idsOf(message.conversation_id);
    if (ids.has(message.id)) return;
    ids.add(message.id);
    // Re-insert so the conversation counts as recently used when seqs are capped.
    const top = Math.max(this.seqs.get(message.conversation_id) ?? 0, message.seq);
    this.seqs.delete(message.conversation_id);
    this.seqs.set(message.conversation_id, top);
    this.options.onMessage?.(message);
  }

  private async caughtUp(frame: Frame): Promise<void> {
    const resumed = this.position !== null;
    this.position = Number(frame.position);
    this.attempt = 0;
    this.setState("online");
    const resync = (frame.resync_conversation_ids as string[] | undefined) ?? [];
    const fetch = this.options.fetchMessagesAfter;
    if (fetch) {
      for (const id of resync) {
        try {
          const messages = await fetch(id, this.seqs.get(id) ?? 0);
          messages.forEach((m) => this.deliverMessage(m));
        } catch {
          // The next reconnect's seqs ask again.
        }
      }
    }
    this.options.onCaughtUp?.(resumed);
  }

  private async closed(code: number, reason: string): Promise<void> {
    this.clear(this.watchdog);
    this.watchdog = null;
    if (this.state === "stopped" || this.state === "unauthorized") return;
    if (code === 4401) {
      const refreshed = reason === "auth.token_expired" && (await this.options.refreshToken?.());
      if (!refreshed) {
        this.setState("unauthorized");
        return;
      }
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.state === "stopped") return;
    this.setState("reconnecting");
    const delay = (this.options.backoff ?? defaultBackoff)(this.attempt);
    this.attempt += 1;
    this.clear(this.retryTimer);
    this.retryTimer = this.timer(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  /** Nothing heard for a heartbeat and a margin: the connection is dead even if not closed. */
  private armWatchdog(): void {
    this.clear(this.watchdog);
    this.watchdog = this.timer(() => {
      const socket = this.socket;
      if (!socket) return;
      this.socket = null;
      this.detach(socket).close(4000, "heartbeat missed");
      void this.closed(4000, "heartbeat missed");
    }, this.heartbeatMs * 1.5 + 5_000);
  }

  private idsOf(conversationId: string): Set<string> {
    let ids = this.seen.get(conversationId);
    if (!ids) this.seen.set(conversationId, (ids = new Set()));
    return ids;
  }

  private detach(socket: SocketLike): SocketLike {
    socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    return socket;
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onStateChange?.(state);
    this.listeners.forEach((listener) => listener(state));
  }

  private timer(callback: () => void, ms: number): unknown {
    return (this.options.setTimer ?? ((cb: () => void, t: number) => setTimeout(cb, t)))(callback, ms);
  }

  private clear(handle: unknown): void {
    if (handle === null) return;
    (this.options.clearTimer ?? ((h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>)))(handle);
  }

  private clearTimers(): void {
    this.clear(this.retryTimer);
    this.clear(this.watchdog);
    this.retryTimer = this.watchdog = null;
  }
}

/** `ws(s)://<this origin>/api/v1/ws`. */
export function gatewayUrl(origin: string = location.origin): string {
  return `${origin.replace(/^http/, "ws")}/api/v1/ws`;
}

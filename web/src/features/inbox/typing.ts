/** Typing indicators: how often to tell others, and how long to believe what others said. */

/** A member typing sends `start` at most this often. */
export const TYPING_SEND_INTERVAL_MS = 3_000;
/** A `start` heard counts this long; a typist still typing refreshes it well before. */
export const TYPING_EXPIRY_MS = 6_000;

/** Lets a keystroke send a typing frame at most once per interval. */
export class TypingThrottle {
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly interval: number = TYPING_SEND_INTERVAL_MS) {}

  /** Whether a keystroke at `now` should send a frame; if so, the interval starts again. */
  take(now: number): boolean {
    if (now - this.last < this.interval) return false;
    this.last = now;
    return true;
  }

  /** After a send or a stop (or a frame that did not go), the next keystroke sends at once. */
  reset(): void {
    this.last = Number.NEGATIVE_INFINITY;
  }
}

/** Who is typing in one conversation: user id → when that stops counting. */
export type Typists = ReadonlyMap<string, number>;

/** The typists after a frame: `start` (re)arms the user's expiry, `stop` removes them. */
export function withTypingFrame(
  typists: Typists,
  frame: { user_id: string | null; state: "start" | "stop" },
  now: number,
  expiry: number = TYPING_EXPIRY_MS,
): Typists {
  if (!frame.user_id) return typists; // integrations (API keys) have no name to show
  const next = new Map(typists);
  if (frame.state === "stop") next.delete(frame.user_id);
  else next.set(frame.user_id, now + expiry);
  return next;
}

/** The user ids still typing at `now`, in the order they started. */
export function activeTypists(typists: Typists, now: number): string[] {
  return [...typists].filter(([, until]) => until > now).map(([id]) => id);
}

/** Milliseconds until the next typist expires (for a timer), or null if none is pending. */
export function nextExpiry(typists: Typists, now: number): number | null {
  let soonest: number | null = null;
  for (const until of typists.values()) {
    if (until > now && (soonest === null || until < soonest)) soonest = until;
  }
  return soonest === null ? null : soonest - now;
}

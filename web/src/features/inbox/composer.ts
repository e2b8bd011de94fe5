import type { Schemas } from "../../api/client";

/** The composer's logic that needs no React or network: keys, canned-response choice, attachments. */

/** Ctrl+Enter (Cmd+Enter on a Mac) sends; a plain Enter is a new line. */
export function isSendKey(event: { key: string; ctrlKey: boolean; metaKey: boolean; nativeEvent?: { isComposing?: boolean } }): boolean {
  return event.key === "Enter" && (event.ctrlKey || event.metaKey) && !event.nativeEvent?.isComposing;
}

export interface CannedItem {
  id: string;
  shortcut: string;
  title: string;
  body: string;
}

/** Canned responses matching the typed query, shortcut matches first (prefix, then anywhere). */
export function filterCanned<T extends CannedItem>(items: readonly T[], query: string): T[] {
  const q = query.trim().toLowerCase();
  if (!q) return [...items];
  const rank = (item: T): number => {
    const shortcut = item.shortcut.toLowerCase();
    if (shortcut.startsWith(q)) return 0;
    if (shortcut.includes(q)) return 1;
    if (item.title.toLowerCase().includes(q)) return 2;
    if (item.body.toLowerCase().includes(q)) return 3;
    return -1;
  };
  return items
    .map((item, index) => ({ item, index, rank: rank(item) }))
    .filter((entry) => entry.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.item);
}

export type PickerKey = "ArrowDown" | "ArrowUp" | "Enter" | "Tab" | "Escape";

export type PickerAction = { kind: "move"; index: number } | { kind: "choose"; index: number } | { kind: "close" } | { kind: "none" };

/** What a key does in a list of `count` options with `index` highlighted (arrows wrap round). */
export function pickerKey(key: string, index: number, count: number): PickerAction {
  switch (key) {
    case "ArrowDown":
      return count ? { kind: "move", index: (index + 1) % count } : { kind: "none" };
    case "ArrowUp":
      return count ? { kind: "move", index: (index - 1 + count) % count } : { kind: "none" };
    case "Enter":
    case "Tab":
      return count ? { kind: "choose", index: Math.min(Math.max(index, 0), count - 1) } : { kind: "none" };
    case "Escape":
      return { kind: "close" };
    default:
      return { kind: "none" };
  }
}

/** The canned-response query when the draft is `/` and a word at its start, else null. */
export function slashQuery(draft: string): string | null {
  const match = /^\/(\S{0,32})$/.exec(draft);
  return match ? match[1] : null;
}

/** The message type an upload is sent as: the server checks media types against the file. */
export function messageTypeFor(contentType: string): Schemas["MessageType"] {
  if (contentType.startsWith("image/")) return "image";
  if (contentType.startsWith("video/")) return "video";
  if (contentType.startsWith("audio/")) return "audio";
  return "file";
}

/** A file size for people: 512 B, 1.5 KB, 2.3 MB. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** The channels whose messages carry one file each (the server answers messages.one_attachment). */
export const ONE_ATTACHMENT_TYPES = new Set(["telegram", "whatsapp_cloud"]);
export const WHATSAPP_TYPE = "whatsapp_cloud";

/**
 * The WhatsApp reply window's close time once it has passed, else null (open, or no window).
 * The server sets the field for WhatsApp conversations only; a channel known to be another
 * type never has one.
 */
export function closedWindow(conversation: object, channelType: string | undefined, now: number = Date.now()): Date | null {
  if (channelType !== undefined && channelType !== WHATSAPP_TYPE) return null;
  const closes = windowClosesAt(conversation);
  return closes === null || closes.getTime() > now ? null : closes;
}

/** `reply_window_closes_at` as a date, read defensively (older servers do not send it). */
export function windowClosesAt(conversation: object): Date | null {
  const raw = (conversation as { reply_window_closes_at?: unknown }).reply_window_closes_at;
  if (typeof raw !== "string") return null;
  const closes = new Date(raw);
  return Number.isNaN(closes.getTime()) ? null : closes;
}

import { describe, expect, it } from "vitest";

import { closedWindow, filterCanned, formatSize, isSendKey, messageTypeFor, pickerKey, slashQuery } from "./composer";
import { insertAt } from "./emoji";

const canned = [
  { id: "1", shortcut: "thanks", title: "Thank you", body: "Thanks for writing!" },
  { id: "2", shortcut: "ship", title: "Shipping times", body: "Orders ship in 2 days." },
  { id: "3", shortcut: "refund", title: "Refunds", body: "We refund within 14 days; thanks for your patience." },
  { id: "4", shortcut: "hours", title: "Opening hours", body: "We are open 9–5." },
];

describe("canned responses", () => {
  it("opens on a leading slash and a word, not elsewhere", () => {
    expect(slashQuery("/")).toBe("");
    expect(slashQuery("/thx")).toBe("thx");
    expect(slashQuery("hi /thx")).toBeNull();
    expect(slashQuery("/thx more")).toBeNull();
    expect(slashQuery("")).toBeNull();
  });

  it("ranks shortcut prefixes, then shortcut, title and body matches; all when the query is empty", () => {
    expect(filterCanned(canned, "").map((c) => c.id)).toEqual(["1", "2", "3", "4"]);
    expect(filterCanned(canned, "th").map((c) => c.id)).toEqual(["1", "3"]);
    expect(filterCanned(canned, "HOUR").map((c) => c.id)).toEqual(["4"]);
    expect(filterCanned(canned, "days").map((c) => c.id)).toEqual(["2", "3"]);
    expect(filterCanned(canned, "zzz")).toEqual([]);
  });

  it("moves with the arrows (wrapping), chooses with Enter, closes with Esc", () => {
    expect(pickerKey("ArrowDown", 0, 3)).toEqual({ kind: "move", index: 1 });
    expect(pickerKey("ArrowDown", 2, 3)).toEqual({ kind: "move", index: 0 });
    expect(pickerKey("ArrowUp", 0, 3)).toEqual({ kind: "move", index: 2 });
    expect(pickerKey("Enter", 1, 3)).toEqual({ kind: "choose", index: 1 });
    expect(pickerKey("Enter", 5, 3)).toEqual({ kind: "choose", index: 2 });
    expect(pickerKey("Enter", 0, 0)).toEqual({ kind: "none" }); // nothing to choose: Enter types a newline
    expect(pickerKey("Escape", 0, 0)).toEqual({ kind: "close" });
    expect(pickerKey("a", 0, 3)).toEqual({ kind: "none" });
  });
});

describe("composer keys and files", () => {
  it("sends on Ctrl+Enter and Cmd+Enter only, never mid-composition", () => {
    expect(isSendKey({ key: "Enter", ctrlKey: true, metaKey: false })).toBe(true);
    expect(isSendKey({ key: "Enter", ctrlKey: false, metaKey: true })).toBe(true);
    expect(isSendKey({ key: "Enter", ctrlKey: false, metaKey: false })).toBe(false);
    expect(isSendKey({ key: "Enter", ctrlKey: true, metaKey: false, nativeEvent: { isComposing: true } })).toBe(false);
  });

  it("inserts at the caret, replacing a selection", () => {
    expect(insertAt("hello world", 5, 5, "🙂")).toEqual({ text: "hello🙂 world", caret: 7 });
    expect(insertAt("hello world", 6, 11, "🎉")).toEqual({ text: "hello 🎉", caret: 8 });
    expect(insertAt("", 3, 9, "👍")).toEqual({ text: "👍", caret: 2 });
  });

  it("sends media as its type and sizes files for people", () => {
    expect(messageTypeFor("image/png")).toBe("image");
    expect(messageTypeFor("video/mp4")).toBe("video");
    expect(messageTypeFor("application/pdf")).toBe("file");
    expect(formatSize(512)).toBe("512 B");
    expect(formatSize(1536)).toBe("1.5 KB");
    expect(formatSize(25 * 1024 * 1024)).toBe("25 MB");
  });
});

describe("WhatsApp reply window", () => {
  const now = Date.parse("2026-03-02T12:00:00Z");
  it("is closed once the time has passed, for WhatsApp (or a channel not known yet)", () => {
    const past = { reply_window_closes_at: "2026-03-02T11:00:00Z" };
    expect(closedWindow(past, "whatsapp_cloud", now)?.toISOString()).toBe("2026-03-02T11:00:00.000Z");
    expect(closedWindow(past, undefined, now)).not.toBeNull();
    expect(closedWindow(past, "telegram", now)).toBeNull();
    expect(closedWindow({ reply_window_closes_at: "2026-03-02T13:00:00Z" }, "whatsapp_cloud", now)).toBeNull();
    expect(closedWindow({ reply_window_closes_at: null }, "whatsapp_cloud", now)).toBeNull();
    expect(closedWindow({}, "whatsapp_cloud", now)).toBeNull();
  });
});

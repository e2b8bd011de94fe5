import { describe, expect, it } from "vitest";

import { isTypingTarget, shortcutFor, type KeyLike } from "./shortcuts";

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...extra });
const body = { tagName: "BODY", isContentEditable: false, role: null };

describe("inbox shortcuts", () => {
  it("maps j, k, e and ? to their actions", () => {
    expect(shortcutFor(key("j"), body)).toBe("next");
    expect(shortcutFor(key("k"), body)).toBe("previous");
    expect(shortcutFor(key("e"), body)).toBe("resolve");
    expect(shortcutFor(key("?"), body)).toBe("help");
    expect(shortcutFor(key("x"), body)).toBeNull();
    // Upper case is another key (Shift+J), left to the page.
    expect(shortcutFor(key("J"), body)).toBeNull();
  });

  it("ignores keys with a modifier, while composing, already handled or a repeated resolve", () => {
    expect(shortcutFor(key("j", { ctrlKey: true }), body)).toBeNull();
    expect(shortcutFor(key("j", { metaKey: true }), body)).toBeNull();
    expect(shortcutFor(key("j", { altKey: true }), body)).toBeNull();
    expect(shortcutFor(key("j", { isComposing: true }), body)).toBeNull();
    expect(shortcutFor(key("j", { defaultPrevented: true }), body)).toBeNull();
    expect(shortcutFor(key("e", { repeat: true }), body)).toBeNull();
    expect(shortcutFor(key("j", { repeat: true }), body)).toBe("next");
  });

  it("leaves keys typed into fields alone", () => {
    for (const target of [
      { tagName: "INPUT" },
      { tagName: "textarea" },
      { tagName: "SELECT" },
      { tagName: "DIV", isContentEditable: true },
      { tagName: "DIV", role: "combobox" },
    ]) {
      expect(isTypingTarget(target)).toBe(true);
      expect(shortcutFor(key("e"), target)).toBeNull();
    }
    expect(isTypingTarget({ tagName: "A" })).toBe(false);
    expect(shortcutFor(key("j"), { tagName: "A" })).toBe("next");
  });
});

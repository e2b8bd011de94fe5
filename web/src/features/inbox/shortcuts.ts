/** The inbox's single-key shortcuts (the composer owns `/` and Ctrl+Enter). */

export type ShortcutAction = "next" | "previous" | "resolve" | "help";

export const SHORTCUTS: readonly { key: string; action: ShortcutAction }[] = [
  { key: "j", action: "next" },
  { key: "k", action: "previous" },
  { key: "e", action: "resolve" },
  { key: "?", action: "help" },
];

/** What a keydown needs to carry; a KeyboardEvent has it all. */
export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  repeat?: boolean;
  isComposing?: boolean;
  defaultPrevented?: boolean;
}

/** Where the key was typed: the event's target as far as these rules look at it. */
export interface TargetLike {
  tagName?: string;
  isContentEditable?: boolean;
  role?: string | null;
}

const TYPING_TAGS = new Set(["INPUT", "TEXTAREA", "SELECT"]);
const TYPING_ROLES = new Set(["textbox", "combobox", "searchbox", "spinbutton"]);

export function isTypingTarget(target: TargetLike | null | undefined): boolean {
  if (!target) return false;
  return (
    TYPING_TAGS.has((target.tagName ?? "").toUpperCase()) ||
    target.isContentEditable === true ||
    TYPING_ROLES.has(target.role ?? "")
  );
}

/**
 * The action for a key, or null: keys typed into a field, with Ctrl, Alt or Meta held, during IME
 * composition, or already handled do nothing. Shift is allowed because `?` needs it.
 */
export function shortcutFor(event: KeyLike, target: TargetLike | null | undefined): ShortcutAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.defaultPrevented) return null;
  if (isTypingTarget(target)) return null;
  const found = SHORTCUTS.find((s) => s.key === event.key);
  if (!found) return null;
  // Holding `e` must not send one resolve per repeat.
  if (found.action === "resolve" && event.repeat) return null;
  return found.action;
}

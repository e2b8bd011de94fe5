import { useEffect, useRef } from "react";

import { shortcutFor, type ShortcutAction, type TargetLike } from "./shortcuts";

function targetOf(event: KeyboardEvent): TargetLike | null {
  const el = event.target;
  if (!el || typeof (el as Element).tagName !== "string") return null;
  const element = el as HTMLElement;
  return { tagName: element.tagName, isContentEditable: element.isContentEditable, role: element.getAttribute("role") };
}

/** Calls `onAction` for the inbox's shortcuts typed anywhere on the page outside a field. */
export function useShortcuts(onAction: (action: ShortcutAction) => void, enabled = true): void {
  // The latest handler, without re-adding the listener on every render.
  const handler = useRef(onAction);
  handler.current = onAction;
  useEffect(() => {
    if (!enabled) return;
    const listener = (event: KeyboardEvent) => {
      const action = shortcutFor(event, targetOf(event));
      if (!action) return;
      event.preventDefault();
      handler.current(action);
    };
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, [enabled]);
}

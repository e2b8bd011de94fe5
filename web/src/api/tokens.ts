import type { components } from "./schema";

export type TokenPair = Pick<components["schemas"]["TokenPair"], "access_token" | "refresh_token">;

/** Where the sign-in's tokens live; subscribers hear every change, including other tabs'. */
export interface TokenStore {
  get(): TokenPair | null;
  set(tokens: TokenPair | null): void;
  subscribe(listener: () => void): () => void;
}

export function memoryTokenStore(initial: TokenPair | null = null): TokenStore {
  let current = initial;
  const listeners = new Set<() => void>();
  return {
    get: () => current,
    set(tokens) {
      current = tokens;
      listeners.forEach((listener) => listener());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

const KEY = "relaydesk.tokens";

/** Kept in localStorage so a reload or a second tab stays signed in. */
export function localTokenStore(): TokenStore {
  const listeners = new Set<() => void>();
  // One parsed object per stored string: useSyncExternalStore needs a stable snapshot.
  let raw: string | null = null;
  let parsed: TokenPair | null = null;
  const read = (): TokenPair | null => {
    const now = localStorage.getItem(KEY);
    if (now !== raw) {
      raw = now;
      try {
        parsed = now ? (JSON.parse(now) as TokenPair) : null;
      } catch {
        parsed = null;
      }
    }
    return parsed;
  };
  window.addEventListener("storage", (event) => {
    if (event.key === KEY) listeners.forEach((listener) => listener());
  });
  return {
    get: read,
    set(tokens) {
      if (tokens) localStorage.setItem(KEY, JSON.stringify(tokens));
      else localStorage.removeItem(KEY);
      listeners.forEach((listener) => listener());
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

import { describe, expect, it } from "vitest";

import { clearDraft, draftKey, loadDraft, saveDraft } from "./drafts";

/** The browser's Storage contract, in memory. */
function memoryStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe("drafts", () => {
  it("keeps one draft per conversation under relaydesk.draft.<id> and restores it", () => {
    const storage = memoryStorage();
    saveDraft("c1", "hello\nthere", storage);
    saveDraft("c2", "other", storage);
    expect(draftKey("c1")).toBe("relaydesk.draft.c1");
    expect(storage.data.get("relaydesk.draft.c1")).toBe("hello\nthere");
    expect(loadDraft("c1", storage)).toBe("hello\nthere");
    expect(loadDraft("c2", storage)).toBe("other");
    expect(loadDraft("c3", storage)).toBe("");
  });

  it("removes a cleared or blank draft rather than storing it", () => {
    const storage = memoryStorage();
    saveDraft("c1", "x", storage);
    clearDraft("c1", storage);
    expect(storage.data.has("relaydesk.draft.c1")).toBe(false);
    saveDraft("c1", "   \n", storage);
    expect(storage.data.size).toBe(0);
  });

  it("survives storage that throws (quota, privacy mode) and no storage at all", () => {
    const broken = {
      getItem: () => {
        throw new Error("denied");
      },
      setItem: () => {
        throw new Error("quota");
      },
      removeItem: () => {
        throw new Error("denied");
      },
    };
    expect(() => saveDraft("c1", "x", broken)).not.toThrow();
    expect(loadDraft("c1", broken)).toBe("");
    expect(loadDraft("c1", null)).toBe("");
  });
});

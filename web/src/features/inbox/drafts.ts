/** Unsent replies, kept per conversation in the browser so switching away loses nothing. */

const PREFIX = "relaydesk.draft.";

export const draftKey = (conversationId: string) => `${PREFIX}${conversationId}`;

type DraftStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

function browserStorage(): DraftStorage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null; // storage disabled (privacy settings): drafts just are not kept
  }
}

export function loadDraft(conversationId: string, storage: DraftStorage | null = browserStorage()): string {
  try {
    return storage?.getItem(draftKey(conversationId)) ?? "";
  } catch {
    return "";
  }
}

/** Saves the draft; an empty (or blank) one is removed rather than kept. */
export function saveDraft(conversationId: string, text: string, storage: DraftStorage | null = browserStorage()): void {
  try {
    if (text.trim()) storage?.setItem(draftKey(conversationId), text);
    else storage?.removeItem(draftKey(conversationId));
  } catch {
    // Quota exceeded: the draft stays in the composer, only not across reloads.
  }
}

export function clearDraft(conversationId: string, storage: DraftStorage | null = browserStorage()): void {
  saveDraft(conversationId, "", storage);
}

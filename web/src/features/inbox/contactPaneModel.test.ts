import { describe, expect, it } from "vitest";

import {
  attributeChanged,
  attributePatch,
  formatAttribute,
  initial,
  languageName,
  newTags,
  parseDraft,
  profileDraft,
  profilePatch,
  toDraft,
  undefinedAttributes,
  type AttributeDefinition,
  type Contact,
} from "./contactPaneModel";

const contact: Contact = {
  id: "c1",
  name: "Ada Lovelace",
  phone: "+447700900123",
  email: null,
  language: "en",
  avatar_url: null,
  attributes: { plan: "pro", seats: 3 },
  blocked: true,
  owner_user_id: null,
  created_at: "2024-01-01T00:00:00Z",
  last_seen_at: null,
  tags: ["vip"],
  consents: [{ channel_id: "ch1", status: "opted_out", source: "inbox", changed_at: "2024-02-01T00:00:00Z" }],
  identities: [],
};
const labels = { yes: "Yes", no: "No" };

describe("profilePatch", () => {
  it("is null when nothing changed, whitespace included", () => {
    const draft = profileDraft(contact);
    expect(profilePatch(contact, draft)).toBeNull();
    expect(profilePatch(contact, { ...draft, name: "  Ada Lovelace " })).toBeNull();
  });

  it("sends only the changed fields, an emptied one as null, and leaves blocked out", () => {
    const body = profilePatch(contact, { ...profileDraft(contact), phone: "", email: " ada@example.com " });
    expect(body).toEqual({ phone: null, email: "ada@example.com" });
  });

  it("does not send a field that was empty and stays empty", () => {
    expect(profilePatch({ ...contact, email: null }, { ...profileDraft(contact), email: "   " })).toBeNull();
  });
});

describe("attribute drafts", () => {
  it("round-trips each type through its editor value", () => {
    const cases: [AttributeDefinition["type"], unknown][] = [
      ["text", "gold"],
      ["number", 42.5],
      ["boolean", false],
      ["boolean", true],
      ["date", "2024-02-29"],
      ["list", ["a", "b"]],
    ];
    for (const [type, value] of cases) {
      expect(parseDraft(type, toDraft(type, value))).toEqual({ ok: true, value });
    }
  });

  it("reads an empty editor as removing the value", () => {
    for (const type of ["text", "number", "boolean", "date", "list"] as const) {
      expect(parseDraft(type, toDraft(type, undefined))).toEqual({ ok: true, value: null });
    }
    expect(parseDraft("text", "   ")).toEqual({ ok: true, value: null });
    expect(parseDraft("list", [" ", ""])).toEqual({ ok: true, value: null });
  });

  it("trims text and list options and drops repeated options", () => {
    expect(parseDraft("text", "  hi  ")).toEqual({ ok: true, value: "hi" });
    expect(parseDraft("list", ["a", " a ", "b"])).toEqual({ ok: true, value: ["a", "b"] });
  });

  it("refuses what the server would refuse", () => {
    expect(parseDraft("number", "12abc")).toEqual({ ok: false, reason: "number" });
    expect(parseDraft("date", "2023-02-29")).toEqual({ ok: false, reason: "date" });
    expect(parseDraft("date", "01/02/2024")).toEqual({ ok: false, reason: "date" });
  });

  it("accepts a number typed as text", () => {
    expect(parseDraft("number", " 7 ")).toEqual({ ok: true, value: 7 });
  });
});

describe("formatAttribute", () => {
  it("formats each type for the interface's language", () => {
    expect(formatAttribute("number", 1234.5, "en", labels)).toBe("1,234.5");
    expect(formatAttribute("boolean", false, "en", labels)).toBe("No");
    expect(formatAttribute("list", ["a", "b"], "en", labels)).toBe("a, b");
    expect(formatAttribute("text", undefined, "en", labels)).toBe("");
  });

  it("shows a date as the same calendar day in any time zone", () => {
    expect(formatAttribute("date", "2024-01-01", "en-US", labels)).toBe("Jan 1, 2024");
    expect(formatAttribute("date", "not a date", "en", labels)).toBe("not a date");
  });
});

describe("attribute changes", () => {
  it("compares lists by items and treats missing as empty", () => {
    expect(attributeChanged(["a", "b"], ["a", "b"])).toBe(false);
    expect(attributeChanged(["a"], ["a", "b"])).toBe(true);
    expect(attributeChanged(undefined, null)).toBe(false);
    expect(attributeChanged(3, 3)).toBe(false);
  });

  it("builds a merge patch for one key", () => {
    expect(attributePatch("plan", null)).toEqual({ attributes: { plan: null } });
  });

  it("lists stored values that have no definition", () => {
    const defs = [{ id: "d", key: "plan", label: "Plan", type: "text", options: [], created_at: "" }] as AttributeDefinition[];
    expect(undefinedAttributes(contact.attributes, defs)).toEqual([["seats", 3]]);
  });
});

describe("small helpers", () => {
  it("adds only new, trimmed tags", () => {
    expect(newTags(["vip"], ["vip", " new ", "new", ""])).toEqual(["new"]);
  });

  it("picks the avatar letter from name, email or phone", () => {
    expect(initial({ name: "ada", email: null, phone: null })).toBe("A");
    expect(initial({ name: " ", email: "zed@example.com", phone: null })).toBe("Z");
    expect(initial({ name: null, email: null, phone: "+86138" })).toBe("8");
    expect(initial({ name: null, email: null, phone: null })).toBe("?");
    expect(initial({ name: "王小明", email: null, phone: null })).toBe("王");
  });

  it("names a language tag, or keeps a tag it cannot read", () => {
    expect(languageName("zh-CN", "en")).toMatch(/Chinese/);
    expect(languageName("not a tag!", "en")).toBe("not a tag!");
  });
});

import { describe, expect, it } from "vitest";

import { cannedBody, cannedPatch, checkCanned, normaliseShortcut, shortcutQuery } from "./cannedResponseForms";

const valid = { shortcut: "greet", title: "Greeting", body: "Hello! How can we help?" };

describe("canned response shortcuts", () => {
  it("forgives a leading slash, capitals and spaces", () => {
    expect(normaliseShortcut("  /Greet_2 ")).toBe("greet_2");
    expect(normaliseShortcut("//x")).toBe("x");
    expect(normaliseShortcut(undefined)).toBe("");
  });

  it("accepts 1 to 32 of a-z, 0-9, - and _", () => {
    expect(checkCanned({ ...valid, shortcut: "a" })).toEqual({});
    expect(checkCanned({ ...valid, shortcut: "x".repeat(32) })).toEqual({});
    expect(checkCanned({ ...valid, shortcut: "re-fund_2" })).toEqual({});
  });

  it("names each field's problem", () => {
    expect(checkCanned({ ...valid, shortcut: "/" })).toEqual({ shortcut: "required" });
    expect(checkCanned({ ...valid, shortcut: "x".repeat(33) })).toEqual({ shortcut: "tooLong" });
    expect(checkCanned({ ...valid, shortcut: "hi there" })).toEqual({ shortcut: "format" });
    expect(checkCanned({ ...valid, shortcut: "café" })).toEqual({ shortcut: "format" });
    expect(checkCanned({ shortcut: "ok", title: "  ", body: "" })).toEqual({ title: "required", body: "required" });
    expect(checkCanned({ ...valid, title: "t".repeat(101), body: "b".repeat(4001) })).toEqual({
      title: "tooLong",
      body: "tooLong",
    });
  });
});

describe("canned response bodies", () => {
  it("sends the normalised shortcut and trimmed text, keeping inner line breaks", () => {
    expect(cannedBody({ shortcut: "/Greet", title: " Greeting ", body: "\nHello\n\nBye \n" })).toEqual({
      shortcut: "greet",
      title: "Greeting",
      body: "Hello\n\nBye",
    });
  });

  it("patches only what changed", () => {
    expect(cannedPatch(valid, { ...valid, title: " Greeting " })).toEqual({});
    expect(cannedPatch(valid, { ...valid, shortcut: "/HI", body: "Hi" })).toEqual({ shortcut: "hi", body: "Hi" });
  });
});

describe("shortcut typed in the composer", () => {
  it("is the word after a leading slash, and nothing else", () => {
    expect(shortcutQuery("/")).toBe("");
    expect(shortcutQuery("/Gre")).toBe("gre");
    expect(shortcutQuery("/greet now")).toBeNull();
    expect(shortcutQuery("hello /greet")).toBeNull();
    expect(shortcutQuery("")).toBeNull();
  });
});

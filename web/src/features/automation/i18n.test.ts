import { describe, expect, it } from "vitest";

import { CONDITION_FIELDS, NODE_GROUPS } from "./catalog";
import en from "./i18n/en.json";
import zhCN from "./i18n/zh-CN.json";
import { NODE_TYPES, TRIGGER_TYPES } from "./types";

function keys(value: unknown, prefix = ""): string[] {
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([key, inner]) => keys(inner, prefix ? `${prefix}.${key}` : key));
  return [prefix];
}

describe("automation i18n", () => {
  it("has the same keys in English and Chinese", () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it("names every trigger, step, group and condition field", () => {
    const all = new Set(keys(en));
    for (const type of TRIGGER_TYPES) expect(all).toContain(`triggers.${type}`);
    for (const type of TRIGGER_TYPES) expect(all).toContain(`triggerHelp.${type}`);
    for (const type of NODE_TYPES) expect(all).toContain(`nodes.${type}`);
    for (const type of NODE_TYPES) expect(all).toContain(`nodeHelp.${type}`);
    for (const group of NODE_GROUPS) expect(all).toContain(`groups.${group.key}`);
    for (const field of CONDITION_FIELDS) expect(all).toContain(`fields.${field.replace(/\./g, "_")}`);
  });
});

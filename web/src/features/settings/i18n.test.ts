import { describe, expect, it } from "vitest";

import appEn from "../../i18n/en.json";
import appZhCN from "../../i18n/zh-CN.json";
import en from "./i18n/en.json";
import zhCN from "./i18n/zh-CN.json";

/** Every leaf's dotted path; plural suffixes folded, as languages differ in which they need. */
function keys(value: unknown, prefix = ""): string[] {
  if (typeof value !== "object" || value === null) return [prefix.replace(/_(one|other|zero|two|few|many)$/, "")];
  return Object.entries(value).flatMap(([key, inner]) => keys(inner, prefix ? `${prefix}.${key}` : key));
}

const sorted = (value: unknown) => [...new Set(keys(value))].sort();

describe("settings strings", () => {
  it("exist in both languages", () => {
    expect(sorted(zhCN)).toEqual(sorted(en));
  });

  it("of the invitation page exist in both languages", () => {
    expect(sorted(appZhCN.invite)).toEqual(sorted(appEn.invite));
  });
});

import { describe, expect, it } from "vitest";

import { csvTemplate, errorsCsv, summariseImport } from "./csv";
import { batches, contactQuery, exportFilename, exportSearch, NO_FILTERS, tagOptions } from "./filters";
import en from "./i18n/en.json";
import zhCN from "./i18n/zh-CN.json";

describe("list filters", () => {
  it("leaves out empty filters, which the server would reject or read as a filter", () => {
    expect(contactQuery(NO_FILTERS)).toEqual({});
    expect(contactQuery({ q: "   ", tags: [" ", ""], blocked: "all" })).toEqual({});
  });

  it("trims the search, drops duplicate tags and maps the blocked choice to a boolean", () => {
    expect(contactQuery({ q: "  ada ", tags: ["vip", " vip ", "new"], blocked: "unblocked" }, "abc", 50)).toEqual({
      q: "ada",
      tag: ["vip", "new"],
      blocked: false,
      cursor: "abc",
      limit: 50,
    });
    expect(contactQuery({ ...NO_FILTERS, blocked: "blocked" }).blocked).toBe(true);
    expect(contactQuery({ ...NO_FILTERS, q: "x".repeat(300) }).q).toHaveLength(200);
  });

  it("writes the export's query string with repeated tags, encoded", () => {
    expect(exportSearch(NO_FILTERS)).toBe("");
    expect(exportSearch({ q: "a&b", tags: ["vip", "中文 tag"], blocked: "blocked" })).toBe(
      "q=a%26b&tag=vip&tag=%E4%B8%AD%E6%96%87+tag&blocked=true",
    );
  });

  it("names the export by the local date", () => {
    expect(exportFilename(new Date(2026, 0, 5, 23, 59))).toBe("contacts-2026-01-05.csv");
  });

  it("splits a selection into batches of at most 1000 ids", () => {
    const ids = Array.from({ length: 2500 }, (_, i) => String(i));
    expect(batches(ids).map((batch) => batch.length)).toEqual([1000, 1000, 500]);
    expect(batches(ids).flat()).toEqual(ids);
    expect(batches([])).toEqual([]);
  });

  it("offers the loaded contacts' tags and the chosen ones, sorted and once each", () => {
    expect(tagOptions([{ tags: ["vip", "beta"] }, { tags: ["beta"] }], ["zeta"])).toEqual(["beta", "vip", "zeta"]);
  });
});

describe("import report", () => {
  it("groups errors by row in file order, with the column before each message", () => {
    const summary = summariseImport({
      created: 998,
      updated: 0,
      failed: 3,
      errors: [
        { row: 7, column: null, message: "a row needs a name, an email or a phone" },
        { row: 3, column: "email", message: "value is not a valid email address" },
        { row: 3, column: "phone", message: "not a phone number" },
        { row: 12, column: "attr.plan", message: "not one of the options" },
      ],
    });
    expect(summary).toEqual({
      created: 998,
      updated: 0,
      failed: 3,
      rows: [
        { row: 3, reasons: ["email: value is not a valid email address", "phone: not a phone number"] },
        { row: 7, reasons: ["a row needs a name, an email or a phone"] },
        { row: 12, reasons: ["attr.plan: not one of the options"] },
      ],
    });
  });

  it("reads a clean import as no bad rows, and never reports fewer failures than listed rows", () => {
    expect(summariseImport({ created: 2, updated: 1, failed: 0 }).rows).toEqual([]);
    expect(summariseImport({ created: 0, updated: 0, failed: 0, errors: [{ row: 2, message: "bad" }] }).failed).toBe(1);
  });

  it("writes the bad rows as CSV, quoting reasons that hold commas or quotes", () => {
    expect(errorsCsv([{ row: 3, reasons: ['email: "x" is not valid', "phone: bad, too"] }])).toBe(
      'row,reason\r\n3,"email: ""x"" is not valid; phone: bad, too"\r\n',
    );
  });
});

describe("CSV template", () => {
  it("has the import's columns, then the attribute columns sorted by key like the export", () => {
    expect(csvTemplate()).toBe("name,email,phone,language,tags\r\n");
    expect(csvTemplate(["plan", "company"])).toBe("name,email,phone,language,tags,attr.company,attr.plan\r\n");
  });
});

describe("translations", () => {
  const keys = (value: unknown, prefix = ""): string[] =>
    Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
      typeof inner === "object" && inner !== null ? keys(inner, `${prefix}${key}.`) : [`${prefix}${key}`],
    );
  // Chinese has one plural form (_other) where English has two (_one, _other).
  const base = (all: string[]) => [...new Set(all.map((key) => key.replace(/_(one|other)$/, "")))].sort();

  it("has every English text in Chinese and no more", () => {
    expect(base(keys(zhCN))).toEqual(base(keys(en)));
  });

  it("names the import button as the page's tests and people look for it", () => {
    expect(en.import.button).toBe("Import CSV");
    expect(zhCN.import.button).toBe("导入 CSV");
  });
});

import { describe, expect, it } from "vitest";

import { schemaDefaults } from "./schema";

describe("template params forms", () => {
  it("reads defaults through $ref and optional fields", () => {
    const schema = {
      type: "object",
      properties: {
        hours: { type: "integer", default: 24 },
        keywords: { type: "array", items: { type: "string" } },
        rules: { type: "array", items: { $ref: "#/$defs/Rule" } },
        tag: { anyOf: [{ type: "string" }, { type: "null" }], default: "lead" },
      },
      $defs: { Rule: { type: "object", properties: { language: { type: "string", default: "en" } } } },
    };
    expect(schemaDefaults(schema)).toEqual({ hours: 24, keywords: [], rules: [], tag: "lead" });
    expect(schemaDefaults(schema.$defs.Rule, schema)).toEqual({ language: "en" });
  });
});

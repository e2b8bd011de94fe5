import { describe, expect, it } from "vitest";

import { componentText, fillTemplate, paramCount, paramsComplete, sendable, templateMessage } from "./composerTemplates";

const template = {
  name: "order_update",
  language: "en_US",
  status: "APPROVED",
  components: [
    { type: "HEADER", format: "TEXT", text: "Order {{1}}" },
    { type: "BODY", text: "Hi {{1}}, your order {{2}} has shipped. Thanks, {{1}}!" },
  ],
};

describe("template parameters", () => {
  it("reads the header and body texts and counts distinct placeholders as the server does", () => {
    expect(componentText(template, "header")).toBe("Order {{1}}");
    expect(paramCount(componentText(template, "body"))).toBe(2);
    expect(paramCount("no params")).toBe(0);
    expect(componentText({ components: [] }, "body")).toBe("");
  });

  it("fills {{n}} with the n-th value and keeps placeholders still empty", () => {
    const body = componentText(template, "body");
    expect(fillTemplate(body, ["Ann", "A-17"])).toBe("Hi Ann, your order A-17 has shipped. Thanks, Ann!");
    expect(fillTemplate(body, ["Ann", " "])).toBe("Hi Ann, your order {{2}} has shipped. Thanks, Ann!");
    expect(fillTemplate("{{ 1 }} x", ["a"])).toBe("a x");
  });

  it("needs every parameter before sending, and only approved templates", () => {
    expect(paramsComplete(["Ann"], 2)).toBe(false);
    expect(paramsComplete(["Ann", ""], 2)).toBe(false);
    expect(paramsComplete(["Ann", "A-17"], 2)).toBe(true);
    expect(paramsComplete([], 0)).toBe(true);
    expect(sendable(template)).toBe(true);
    expect(sendable({ status: "REJECTED" })).toBe(false);
  });

  it("builds the messages POST body the server takes for a template", () => {
    expect(templateMessage(template, ["A-17"], [" Ann ", "A-17"])).toEqual({
      type: "template",
      template: { name: "order_update", language: "en_US", header_params: ["A-17"], body_params: ["Ann", "A-17"] },
    });
  });
});

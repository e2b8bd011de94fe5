import type { Schemas } from "../../api/client";

/** WhatsApp templates in the composer: their text, parameters and the send body. */

export type TemplateOut = Schemas["TemplateOut"];

const PLACEHOLDER = /\{\{\s*(\d+)\s*\}\}/g;

/** The text of a template's header or body component ("" when it has none). */
export function componentText(template: Pick<TemplateOut, "components">, kind: "header" | "body"): string {
  for (const component of template.components) {
    if (String(component.type ?? "").toLowerCase() === kind) return typeof component.text === "string" ? component.text : "";
  }
  return "";
}

/** How many distinct parameters a text takes ({{1}}, {{2}} …), as the server counts them. */
export function paramCount(text: string): number {
  return new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1])).size;
}

/** The text with {{n}} replaced by the n-th value (1-based); an empty value keeps the placeholder. */
export function fillTemplate(text: string, values: readonly string[]): string {
  return text.replace(PLACEHOLDER, (whole, n: string) => {
    const value = values[Number(n) - 1];
    return value?.trim() ? value : whole;
  });
}

/** Whether every parameter has a value. */
export function paramsComplete(values: readonly string[], count: number): boolean {
  return values.length >= count && values.slice(0, count).every((v) => v.trim() !== "");
}

/** Only approved templates can be sent; status spelling differs by source. */
export function sendable(template: Pick<TemplateOut, "status">): boolean {
  return template.status.toLowerCase() === "approved";
}

/** The messages POST body for a template send. */
export function templateMessage(
  template: Pick<TemplateOut, "name" | "language">,
  headerValues: readonly string[],
  bodyValues: readonly string[],
): Schemas["MessageSendIn"] {
  return {
    type: "template",
    template: {
      name: template.name,
      language: template.language,
      header_params: headerValues.map((v) => v.trim()),
      body_params: bodyValues.map((v) => v.trim()),
    },
  };
}

// Reading a template's params_schema (JSON Schema as pydantic writes it) for the generated form.
import type { JsonSchema } from "./types";

/** A field's own schema: `$ref`s into the root's `$defs` followed, `X | None` read as X. */
export function resolve(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (schema.$ref) {
    const target = root.$defs?.[schema.$ref.split("/").at(-1) ?? ""];
    return target ? resolve({ ...target, ...schema, $ref: undefined }, root) : schema;
  }
  if (schema.anyOf) {
    const real = schema.anyOf.find((option) => option.type !== "null");
    return real ? resolve({ ...real, ...schema, anyOf: undefined }, root) : schema;
  }
  return schema;
}

export function typeOf(schema: JsonSchema): string {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  return type ?? (schema.properties ? "object" : "string");
}

/** Initial values from the schema's defaults. */
export function schemaDefaults(schema: JsonSchema, root: JsonSchema = schema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(schema.properties ?? {})) {
    const field = resolve(raw, root);
    if (field.default !== undefined) out[key] = field.default;
    else if (typeOf(field) === "array") out[key] = [];
  }
  return out;
}


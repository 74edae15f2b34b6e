/**
 * zod → JSON Schema for `tools/list`, compacted: context is the model's scarcest resource, so
 * the listing drops what carries no information (the `$schema` URI, the safe-integer bounds zod
 * adds to every integer, `propertyNames: string`, nullable `anyOf` pairs).
 */
import { z } from "zod";

/**
 * Meta key that keeps a secondary output field out of the listed schema (`.meta(detail)`); the
 * field is still returned and documented in docs/tools.md.
 */
export const DETAIL = "x-detail";

/** `.meta()` argument marking an output field as detail. */
export const detail: Readonly<Record<string, unknown>> = Object.freeze({ [DETAIL]: true });

const SAFE_MIN = Number.MIN_SAFE_INTEGER;
const SAFE_MAX = Number.MAX_SAFE_INTEGER;

type Json = Record<string, unknown>;

function compact(node: unknown, isOutput: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => compact(n, isOutput));
  if (node === null || typeof node !== "object") return node;
  const src = node as Json;
  const out: Json = {};
  for (const [k, v] of Object.entries(src)) {
    if (k === "$schema") continue;
    if (k === "minimum" && v === SAFE_MIN) continue;
    if (k === "maximum" && v === SAFE_MAX) continue;
    if (k === "propertyNames") continue;
    if (isOutput && k === "additionalProperties" && v === false) continue;
    out[k] = compact(v, isOutput);
  }
  // {anyOf: [{type: X, ...}, {type: "null"}]} -> {type: [X, "null"], ...}
  const any = out.anyOf;
  if (Array.isArray(any) && any.length === 2) {
    const [a, b] = any as Json[];
    const nullIdx = a?.type === "null" ? 0 : b?.type === "null" ? 1 : -1;
    if (nullIdx >= 0) {
      const other = (nullIdx === 0 ? b : a) as Json;
      if (typeof other.type === "string" && !("anyOf" in other)) {
        delete out.anyOf;
        Object.assign(out, other, { type: [other.type, "null"] });
      }
    }
  }
  return out;
}

/**
 * The compact JSON Schema of a tool's input (`io: "input"`: defaults are optional). A tool with
 * parameters does not list `additionalProperties: false` (the runner still refuses an unknown
 * argument, naming it); a tool without parameters keeps it, as the MCP spec asks.
 */
export function inputJsonSchema(schema: z.ZodType): Json {
  const json = compact(
    z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
    false,
  ) as Json;
  const props = json.properties as Record<string, unknown> | undefined;
  if (props && Object.keys(props).length > 0 && json.additionalProperties === false) {
    delete json.additionalProperties;
  }
  return json;
}

/**
 * The compact JSON Schema of a tool's structured output: top-level property types only, no
 * `required` list, nested objects and arrays reduced to their type. Clients validate
 * `structuredContent` against it; the field-by-field reference is docs/tools.md.
 */
export function outputJsonSchema(schema: z.ZodType): Json {
  const full = compact(
    z.toJSONSchema(schema, { io: "output", unrepresentable: "any" }),
    true,
  ) as Json;
  const props = (full.properties ?? {}) as Record<string, Json>;
  const shallow: Record<string, Json> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v[DETAIL] === true) continue; // documented in docs/tools.md, not listed
    shallow[k] = typeOnly(v);
  }
  return { type: "object", properties: shallow };
}

function typeOnly(node: Json): Json {
  if (node.type !== undefined) return { type: node.type };
  if (Array.isArray(node.anyOf)) {
    const types = [
      ...new Set(
        (node.anyOf as Json[]).flatMap((n) => (n.type === undefined ? [] : [n.type].flat())),
      ),
    ];
    if (types.length) return { type: types.length === 1 ? types[0] : types };
  }
  return {};
}

import assert from "node:assert/strict";
import { z } from "zod";
import { detail, inputJsonSchema, outputJsonSchema } from "../../lib/mcp/mod.ts";

Deno.test("inputJsonSchema() drops noise but keeps bounds and required", () => {
  const s = inputJsonSchema(z.strictObject({
    command: z.string().min(1),
    timeout: z.number().min(0).meta({ minimum: 1, maximum: 900 }).optional(),
    n: z.int().optional(),
    env: z.record(z.string(), z.string().nullable()).optional(),
  }));
  assert.deepEqual(s, {
    type: "object",
    properties: {
      command: { type: "string", minLength: 1 },
      timeout: { type: "number", minimum: 1, maximum: 900 },
      n: { type: "integer" },
      env: { type: "object", additionalProperties: { type: ["string", "null"] } },
    },
    required: ["command"],
  });
  assert.deepEqual(inputJsonSchema(z.strictObject({})), {
    type: "object",
    properties: {},
    additionalProperties: false,
  }, "a tool without parameters keeps additionalProperties: false");
});

Deno.test("outputJsonSchema() lists top-level property types only and leaves detail fields out", () => {
  const s = outputJsonSchema(z.object({
    exit_code: z.int().nullable(),
    out: z.string().optional(),
    nested: z.object({ a: z.string() }),
    list: z.array(z.object({ b: z.int() })),
    hidden: z.int().meta(detail),
  }));
  assert.deepEqual(s, {
    type: "object",
    properties: {
      exit_code: { type: ["integer", "null"] },
      out: { type: "string" },
      nested: { type: "object" },
      list: { type: "array" },
    },
  });
});

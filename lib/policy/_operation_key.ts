/** The identity of an operation for Tier-3 confirmation: a SHA-256 over tool, arguments and client. */
import { createHash } from "node:crypto";

/** Deterministic JSON: object keys sorted, `undefined` members dropped, non-finite numbers null. */
export function sortedJson(value: unknown): string {
  const seen = new Set<object>();
  const write = (v: unknown): string => {
    if (v === null || v === undefined) return "null";
    switch (typeof v) {
      case "string":
      case "boolean":
        return JSON.stringify(v);
      case "number":
        return Number.isFinite(v) ? JSON.stringify(v) : "null";
      case "bigint":
        return JSON.stringify(v.toString());
      case "object": {
        if (seen.has(v)) throw new TypeError("args: circular structure cannot be confirmed");
        seen.add(v);
        try {
          const json = (v as { toJSON?: () => unknown }).toJSON;
          if (typeof json === "function") return write(json.call(v));
          if (Array.isArray(v)) {
            return `[${v.map((x) => (x === undefined ? "null" : write(x))).join(",")}]`;
          }
          if (v instanceof Uint8Array) return JSON.stringify(Array.from(v));
          const entries = Object.keys(v)
            .sort()
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${write((v as Record<string, unknown>)[k])}`);
          return `{${entries.join(",")}}`;
        } finally {
          seen.delete(v);
        }
      }
      default:
        return "null";
    }
  };
  return write(value);
}

/** Hex SHA-256 of a UTF-8 string. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** The operation hash binding the tool, every argument and the client id. */
export function operationHash(op: { tool: string; args: unknown; clientId: string }): string {
  return sha256(`${op.tool}\0${sortedJson(op.args)}\0${op.clientId}`);
}

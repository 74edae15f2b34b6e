/**
 * The audit record: what a caller hands to the sink ({@linkcode AuditEntry}) and how it becomes
 * an ordered list of JSON fields. Field order is part of the on-disk format: `ts`, `tool`, `tier`,
 * `denied`, `args`, `output_sha256`, `output_len`, `exit_code`, `duration_ms`, then the optional
 * `request_id`, `client_id`, `action`, `reason`, `error` (only when non-empty), then caller extras
 * in their own order; chaining appends `seq`, `prev`, `chain`.
 */

/** One audited event as the caller describes it; `args` are already redacted. */
export interface AuditEntry {
  /** Tool name, or `resource:<name>` / `prompt:<name>`. */
  tool: string;
  /** Policy tier, 0–3. */
  tier: number;
  /** True when policy refused the call. */
  denied: boolean;
  /** The call's arguments, already redacted by the caller. */
  args: Record<string, unknown>;
  /** Hex SHA-256 of the returned output, or null. */
  output_sha256: string | null;
  /** Bytes of output. */
  output_len: number;
  /** Process exit code, or null. */
  exit_code: number | null;
  /** Wall time of the call in milliseconds. */
  duration_ms: number;
  /** JSON-RPC request id. */
  request_id?: string;
  /** Client identity. */
  client_id?: string;
  /** Lifecycle step such as `confirm_plan`, `confirm_execute` or `job_end`. */
  action?: string;
  /** Why a call was denied. */
  reason?: string;
  /** Short error code such as `invalid_arguments`. */
  error?: string;
  /** More fields (already safe to log); names of the fields above are dropped. */
  extra?: Record<string, unknown>;
}

/** A record as ordered `[key, JSON value]` pairs. */
export type RecordFields = Array<[string, unknown]>;

/** Field names the sink owns; an `extra` field with one of these names is dropped. */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  "ts",
  "tool",
  "tier",
  "denied",
  "args",
  "output_sha256",
  "output_len",
  "exit_code",
  "duration_ms",
  "request_id",
  "client_id",
  "action",
  "reason",
  "error",
  "seq",
  "prev",
  "chain",
]);

const OPTIONAL = ["request_id", "client_id", "action", "reason", "error"] as const;

/** Options for {@linkcode buildRecordFields}. */
export interface BuildRecordOptions {
  /** The record time, ISO-8601 UTC. */
  ts: string;
  /** Called with the name of each dropped `extra` field. */
  onReserved?: (key: string) => void;
}

/** Turns an entry into ordered, JSON-safe fields (without `seq`, `prev`, `chain`). */
export function buildRecordFields(entry: AuditEntry, options: BuildRecordOptions): RecordFields {
  const fields: RecordFields = [
    ["ts", options.ts],
    ["tool", String(entry.tool)],
    ["tier", int(entry.tier) ?? 0],
    ["denied", entry.denied === true],
    ["args", toJsonValue(entry.args ?? {})],
    ["output_sha256", typeof entry.output_sha256 === "string" ? entry.output_sha256 : null],
    ["output_len", int(entry.output_len) ?? 0],
    ["exit_code", int(entry.exit_code)],
    ["duration_ms", Math.max(0, int(entry.duration_ms) ?? 0)],
  ];
  for (const key of OPTIONAL) {
    const v = entry[key];
    if (v !== undefined && v !== null && v !== "") fields.push([key, String(v)]);
  }
  if (entry.extra) {
    for (const [key, v] of Object.entries(entry.extra)) {
      if (RESERVED_FIELDS.has(key)) {
        options.onReserved?.(key);
        continue;
      }
      const value = toJsonValue(v);
      if (value !== undefined) fields.push([key, value]);
    }
  }
  return fields;
}

/** Serializes ordered fields as one JSON object, keeping the given key order exactly. */
export function fieldsToJson(fields: RecordFields): string {
  let s = "{";
  for (let i = 0; i < fields.length; i++) {
    if (i) s += ",";
    s += JSON.stringify(fields[i][0]) + ":" + JSON.stringify(fields[i][1]);
  }
  return s + "}";
}

/** Builds a plain object from fields (key order irrelevant: used for hashing). */
export function fieldsToObject(fields: RecordFields): Record<string, unknown> {
  const obj: Record<string, unknown> = Object.create(null);
  for (const [k, v] of fields) obj[k] = v;
  return obj;
}

function int(v: unknown): number | null {
  return typeof v === "number" && Number.isFinite(v) ? Math.round(v) : null;
}

/**
 * Deep-copies a value into plain JSON data: `toJSON` applied, bigints as strings, non-finite
 * numbers as null, functions and symbols dropped, cycles replaced by `"[Circular]"`. The copy
 * serializes and re-parses to itself, so a hash over it can be recomputed from the written line.
 */
export function toJsonValue(value: unknown, seen: Set<object> = new Set()): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
    case "bigint":
      return value.toString();
    case "object":
      break;
    default:
      return undefined;
  }
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === "function") {
    try {
      return toJsonValue(obj.toJSON(), seen);
    } catch {
      return null;
    }
  }
  if (seen.has(obj)) return "[Circular]";
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v) => toJsonValue(v, seen) ?? null);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const c = toJsonValue(v, seen);
      if (c === undefined) continue;
      if (k === "__proto__") {
        Object.defineProperty(out, k, {
          value: c,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      } else out[k] = c;
    }
    return out;
  } finally {
    seen.delete(obj);
  }
}

/**
 * The hash chain over audit records. Each chained record carries `seq` (0, 1, 2, …), `prev` (the
 * previous record's `chain`, or {@linkcode GENESIS} for the first) and
 * `chain = sha256_hex(prev + canonical(record without "chain"))`; `seq` and `prev` are hashed too.
 */
import { sha256Hex } from "../util/mod.ts";
import { canonicalJson } from "./canonical.ts";
import { fieldsToJson, fieldsToObject, type RecordFields } from "./record.ts";

/** The `prev` of the first record of a chain: 64 zeros. */
export const GENESIS: string = "0".repeat(64);

/** The last record of a chain: where the next record links to. */
export interface ChainHead {
  /** Sequence number of the last record. */
  seq: number;
  /** Its `chain` value. */
  chain: string;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** True for a lowercase 64-digit hex string (a SHA-256 digest). */
export function isDigest(value: unknown): value is string {
  return typeof value === "string" && HEX64.test(value);
}

/** The `chain` value for a record body that already holds `seq` and `prev`. */
export function chainHash(prev: string, body: Record<string, unknown>): string {
  return sha256Hex(prev + canonicalJson(body));
}

/** A sealed line: the JSON text (no newline) and the head it makes. */
export interface SealedRecord {
  /** The JSON line without its trailing newline. */
  line: string;
  /** The new head when chaining, else null. */
  head: ChainHead | null;
}

/** Seals fields into a line, linking to `head` (null = genesis); `chain: false` leaves it plain. */
export function sealRecord(
  fields: RecordFields,
  options: { chain: boolean; head: ChainHead | null },
): SealedRecord {
  if (!options.chain) return { line: fieldsToJson(fields), head: null };
  const seq = options.head ? options.head.seq + 1 : 0;
  const prev = options.head ? options.head.chain : GENESIS;
  const body: RecordFields = [...fields, ["seq", seq], ["prev", prev]];
  const chain = chainHash(prev, fieldsToObject(body));
  body.push(["chain", chain]);
  return { line: fieldsToJson(body), head: { seq, chain } };
}

/** Why a parsed record is not a well-formed chained record, or null when it is. */
export function chainFieldProblem(record: Record<string, unknown>): string | null {
  const { seq, prev, chain } = record;
  if (seq === undefined && prev === undefined && chain === undefined) {
    return "record is not chained";
  }
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) {
    return "seq is not a non-negative integer";
  }
  if (!isDigest(prev)) return "prev is not a 64-digit hex digest";
  if (!isDigest(chain)) return "chain is not a 64-digit hex digest";
  return null;
}

/** True when a parsed chained record's `chain` matches its recomputed hash. */
export function chainMatches(record: Record<string, unknown>): boolean {
  const { chain, ...body } = record;
  return typeof record.prev === "string" && chain === chainHash(record.prev, body);
}

/** Parses one line as a JSON object, or returns null. */
export function parseRecord(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text);
    return v !== null && typeof v === "object" && !Array.isArray(v) ? v : null;
  } catch {
    return null;
  }
}

/**
 * @module
 * Small leaf helpers shared by every layer: an injectable clock, random ids and tokens, and
 * SHA-256 helpers. No I/O beyond the system clock and the CSPRNG.
 */
export { type Clock, ManualClock, systemClock } from "./clock.ts";
export { newId, randomHex, randomToken } from "./ids.ts";
export { sha256Hex, utf8Length } from "./hash.ts";

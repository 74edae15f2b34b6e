/**
 * Canonical spellings of a host token, without DNS, so a deny rule written for one spelling of an
 * address (`127\.0\.0\.1`) also catches the others (`2130706433`, `0x7f000001`, `0177.0.0.1`,
 * `127.1`, `::ffff:127.0.0.1`).
 */

/** Parses one inet_aton part: decimal, `0x` hex or leading-zero octal. */
function atonPart(part: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) return part.length === 2 ? 0 : parseInt(part.slice(2), 16);
  if (/^0[0-7]*$/.test(part)) return parseInt(part, 8);
  if (/^[1-9][0-9]*$/.test(part)) return Number(part);
  return undefined;
}

/** The dotted quad for an inet_aton-style IPv4 spelling (`127.1`, `0x7f000001`), if it is one. */
export function parseIPv4Loose(text: string): string | undefined {
  const parts = text.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const nums = parts.map(atonPart);
  if (nums.some((n) => n === undefined || !Number.isFinite(n))) return undefined;
  const values = nums as number[];
  const last = values[values.length - 1];
  const head = values.slice(0, -1);
  if (head.some((n) => n > 255)) return undefined;
  const lastMax = 2 ** (8 * (5 - values.length)) - 1;
  if (last > lastMax) return undefined;
  let value = 0;
  head.forEach((n, i) => (value += n * 2 ** (8 * (3 - i))));
  value += last;
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

function strictIPv4(text: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const bytes = m.slice(1).map(Number);
  return bytes.every((b) => b <= 255) ? bytes : undefined;
}

/** Parses an IPv6 address (zone and brackets already removed) into eight 16-bit groups. */
export function parseIPv6(text: string): number[] | undefined {
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  let body = text;
  const lastColon = body.lastIndexOf(":");
  if (body.slice(lastColon + 1).includes(".")) {
    // A trailing dotted quad stands for the last two groups.
    const v4 = strictIPv4(body.slice(lastColon + 1));
    if (!v4) return undefined;
    const hex = (hi: number, lo: number) => ((hi << 8) | lo).toString(16);
    body = `${body.slice(0, lastColon + 1)}${hex(v4[0], v4[1])}:${hex(v4[2], v4[3])}`;
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === "" ? [] : s.split(":"));
  const left = split(halves[0]);
  const right = halves.length === 2 ? split(halves[1]) : [];
  if ([...left, ...right].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const known = left.length + right.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  const groups = [...left, ...new Array<string>(8 - known).fill("0"), ...right];
  return groups.map((g) => parseInt(g, 16));
}

/** RFC 5952 text for eight groups (lower case, longest zero run of two or more compressed). */
export function formatIPv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

function embeddedIPv4(groups: readonly number[]): string | undefined {
  const prefixZero = groups.slice(0, 5).every((g) => g === 0);
  const mapped = prefixZero && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b &&
    groups.slice(2, 6).every((g) => g === 0);
  if (!mapped && !nat64) return undefined;
  return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
}

/** The spellings of one host (no `user@`, no port). */
function formsOf(host: string): string[] {
  const out: string[] = [];
  const lowered = host.toLowerCase();
  if (lowered !== host) out.push(lowered);
  const bare = host.replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  const v6 = parseIPv6(bare);
  if (v6) {
    out.push(formatIPv6(v6));
    const v4 = embeddedIPv4(v6);
    if (v4) out.push(v4);
    return out;
  }
  const ipish = bare.includes(".") || /^0x/i.test(bare) ||
    (/^\d+$/.test(bare) && Number(bare) > 65535);
  if (ipish) {
    const v4 = parseIPv4Loose(bare);
    if (v4) out.push(v4);
  }
  return out;
}

/**
 * The host token plus its canonical IP spellings, without DNS: standard IPv4/IPv6 forms, the
 * embedded IPv4 of an IPv4-mapped (or NAT64) IPv6 address, and inet_aton-style decimal, hex,
 * octal and short forms. `user@host`, `[v6]:port` and `v4:port` are understood.
 */
export function hostPolicyForms(host: string): string[] {
  const forms = [host];
  let token = host.trim();
  const at = token.lastIndexOf("@");
  if (at >= 0) token = token.slice(at + 1);
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(token);
  if (bracketed) token = bracketed[1];
  else if (/^[^:]+:\d+$/.test(token)) token = token.slice(0, token.lastIndexOf(":"));
  if (token !== host) forms.push(token);
  for (const form of formsOf(token)) if (!forms.includes(form)) forms.push(form);
  return forms;
}

/**
 * Structure-preserving rules for credentials written as assignments: URL userinfo, Authorization
 * headers, Bearer tokens, `keyword=value` pairs and Azure connection strings. Each keeps the key
 * and replaces only the value. Every regexp here either ends in an unbounded run that cannot fail
 * or is guarded so that runs scanned by failed attempts do not overlap: all are linear-time.
 */
import { REDACTED } from "./placeholder.ts";
import {
  isBlank,
  isLineEnd,
  noStop,
  redactQuoted,
  type Replacement,
  replaceScanned,
  scanBare,
  scanQuoted,
  skipBlanks,
} from "./_scan.ts";

// `scheme://user:pass@` — the user part stops at `:`/`@`; the password runs to the last `@` of
// the authority, so a password containing `@` is hidden whole. Empty users (`redis://:pw@`) count.
const URL_CREDENTIALS = /:\/\/[^/\s:@"'<>`]*:[^/\s"'<>`?#]+@/g;

/** `scheme://user:pass@host` → `scheme://[REDACTED]@host`. */
export function redactUrlCredentials(text: string): string {
  if (!text.includes("://")) return text;
  return text.replace(URL_CREDENTIALS, `://${REDACTED}@`);
}

const AUTH_HEADER = /(["']?)((?:proxy-)?authorization)(["']?)[ \t]{0,16}[:=]/gi;
// Well-known schemes stay visible: "Authorization: Basic [REDACTED]" tells an auditor more.
const AUTH_SCHEME =
  /^(?:basic|bearer|digest|negotiate|ntlm|token|dpop|oauth|aws4-hmac-sha256|sharedkey)[ \t]+(?=\S)/i;

/** End of an unquoted header value: the line end or a spaced shell operator. Commas do not stop it. */
function unquotedValueEnd(text: string, i: number): number {
  let j = i;
  while (!isLineEnd(text[j])) {
    if (
      text[j] === " " &&
      (text.startsWith(" && ", j) || text.startsWith(" || ", j) || text.startsWith(" | ", j))
    ) break;
    j++;
  }
  return j;
}

function scanAuthHeader(text: string, m: RegExpExecArray): Replacement | null {
  const keyQuote = m[1];
  const i = skipBlanks(text, m.index + m[0].length);
  if (isLineEnd(text[i])) return null;
  const c = text[i];
  let start = i; // first character of the value proper
  let stop: number; // end of the value proper
  let end: number; // end of the replaced span (after a closing quote)
  if (c === '"' || c === "'") {
    const span = scanQuoted(text, i, { escape: c === '"' ? "\\" : "" });
    start = i + 1;
    stop = span.closed ? span.end - 1 : span.end;
    end = span.end;
  } else if (keyQuote !== "" && m[3] === "") {
    // The whole header is one quoted argument (`-H "Authorization: Basic x"`): stop at its quote.
    stop = i;
    while (!isLineEnd(text[stop]) && text[stop] !== keyQuote) stop++;
    end = stop;
  } else {
    stop = unquotedValueEnd(text, i);
    end = stop;
  }
  let last = stop;
  while (last > start && isBlank(text[last - 1])) last--;
  if (last === start) return null;
  const scheme = AUTH_SCHEME.exec(text.slice(start, last));
  const hidden = (scheme === null ? "" : scheme[0]) + REDACTED;
  return { end, text: text.slice(m.index, start) + hidden + text.slice(last, end) };
}

/** `Authorization: Basic xyz` → `Authorization: Basic [REDACTED]` (also Proxy-Authorization). */
export function redactAuthorizationHeaders(text: string): string {
  return replaceScanned(text, AUTH_HEADER, scanAuthHeader);
}

const BEARER = /(?<![A-Za-z0-9_\]-])(bearer[ \t]+)[A-Za-z0-9._~+/-]+=*/gi;

/** `Bearer abc.def` → `Bearer [REDACTED]`. */
export function redactBearerTokens(text: string): string {
  return text.replace(BEARER, `$1${REDACTED}`);
}

// No left word boundary, so `DB_PASSWORD=` and `"client_secret":` match; the keyword must touch
// the separator, so `tokenizer=bpe` and `password_min_length=8` do not.
const KEYWORD_ASSIGNMENT =
  /(secret[_-]?access[_-]?key|api[_-]?key|secret|token|passwd|password|passphrase|pwd|credential)(["']?)[ \t]{0,16}(?:===?|:=|=>|:(?!:)|=)/gi;

function scanKeywordValue(text: string, m: RegExpExecArray): Replacement | null {
  const i = skipBlanks(text, m.index + m[0].length);
  const c = text[i];
  if (isLineEnd(c)) return null;
  const quoted = c === '"' || c === "'";
  // `PWD=/home/me` is the shell's working directory, not a password.
  const first = quoted ? text[i + 1] : c;
  if (m[1].toLowerCase() === "pwd" && (first === "/" || first === "~")) return null;
  const kept = text.slice(m.index, i);
  if (quoted) {
    const r = redactQuoted(text, i, { escape: c === '"' ? "\\" : "" });
    return r === null ? null : { end: r.end, text: kept + r.text };
  }
  const end = scanBare(text, i, noStop);
  return end === i ? null : { end, text: kept + REDACTED };
}

/** `password=x`, `"api_key": "x"`, `DB_PASSWORD: x`, `aws_secret_access_key = x` → value hidden. */
export function redactKeywordAssignments(text: string): string {
  return replaceScanned(text, KEYWORD_ASSIGNMENT, scanKeywordValue);
}

const AZURE_KEY = /((?:AccountKey|SharedAccessKey)=)[^;\s"']+/gi;
const AZURE_SAS_SIGNATURE = /([?&]sig=)[A-Za-z0-9%+/=]{20,}/gi;

/** Azure `AccountKey=`/`SharedAccessKey=` values and SAS `sig=` signatures. */
export function redactAzureKeys(text: string): string {
  return text.replace(AZURE_KEY, `$1${REDACTED}`).replace(AZURE_SAS_SIGNATURE, `$1${REDACTED}`);
}

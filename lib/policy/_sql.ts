/** Destructive database statements, found in arguments, heredocs and herestrings. */
import type { Hit } from "./_targets.ts";
import { Tier } from "./tier.ts";

/** Database clients: their arguments and input get the stricter statement scan. */
export const DB_CLIENTS: ReadonlySet<string> = new Set([
  "psql",
  "mysql",
  "mariadb",
  "sqlite3",
  "sqlite",
  "duckdb",
  "sqlcmd",
  "osql",
  "isql",
  "sqlplus",
  "clickhouse-client",
  "clickhouse",
  "cqlsh",
  "cockroach",
  "mongo",
  "mongosh",
  "redis-cli",
  "valkey-cli",
  "pgcli",
  "mycli",
  "usql",
  "bq",
  "snowsql",
  "trino",
  "presto",
  "influx",
]);

// Anywhere: unambiguous statements. Linear patterns only (no nested quantifiers).
const ANYWHERE: ReadonlyArray<readonly [RegExp, (m: string) => string]> = [
  [/\bdrop\s+(database|schema|table|keyspace)\b/i, (m) => `SQL ${words(m)}`],
  [/\btruncate\s+table\b/i, (m) => `SQL ${words(m)}`],
  [/\bflush(all|db)\b/i, (m) => `Redis ${words(m)}`],
  [/\bdropDatabase\s*\(/i, () => "MongoDB dropDatabase()"],
];

// Inside a database client's arguments or input only.
const IN_CLIENT: ReadonlyArray<readonly [RegExp, string]> = [
  [/\btruncate\s+(only\s+)?["'`[\w]/i, "SQL TRUNCATE"],
  [/\bdelete\s+from\s+[\w."`[\]]+\s*(;|$)/im, "SQL DELETE without WHERE"],
  [/\balter\s+table\s+\S+\s+drop\b/i, "SQL ALTER TABLE … DROP"],
  [/\.drop\s*\(\s*\)/, "MongoDB drop()"],
];

/** Destructive statements in `text`; `client` adds the database-client-only patterns. */
export function sqlHits(text: string, client: boolean): Hit[] {
  const hits: Hit[] = [];
  for (const [re, what] of ANYWHERE) {
    const m = re.exec(text);
    if (m) hits.push([Tier.IRREVERSIBLE, what(m[0])]);
  }
  if (client) {
    for (const [re, what] of IN_CLIENT) {
      if (re.test(text)) hits.push([Tier.IRREVERSIBLE, what]);
    }
  }
  return hits;
}

function words(match: string): string {
  return match.replace(/\s+/g, " ").toUpperCase();
}

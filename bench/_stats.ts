/** Small statistics and reporting helpers shared by the benchmarks. */

/** One measured comparison: a subject against a baseline measured in the same run. */
export interface Comparison {
  /** What was measured. */
  name: string;
  /** Subject median (ms) or throughput (MB/s). */
  subject: number;
  /** Baseline median (ms) or throughput (MB/s). */
  baseline: number;
  /** "ms" (lower is better) or "MB/s" (higher is better). */
  unit: "ms" | "MB/s";
  /** Baseline label. */
  baselineName: string;
  /** Human statement of the target, e.g. "adds at most 2 ms". */
  target: string;
  /** Whether the target was met. */
  met: boolean;
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `fn` `n` times after `warm` warm-up runs; returns per-run milliseconds. */
export async function timeRuns(fn: () => Promise<unknown>, n: number, warm = 5): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

/** Prints a comparison with both values, the ratio and the difference. */
export function report(c: Comparison): void {
  const ratio = c.subject / c.baseline;
  const diff = c.subject - c.baseline;
  const fmt = (x: number) => x.toFixed(c.unit === "ms" ? 3 : 1);
  const lines = [
    `${c.name}`,
    `  subject   ${fmt(c.subject)} ${c.unit}`,
    `  baseline  ${fmt(c.baseline)} ${c.unit}  (${c.baselineName})`,
    `  ratio     ${ratio.toFixed(2)}x   difference ${diff >= 0 ? "+" : ""}${fmt(diff)} ${c.unit}`,
    `  target    ${c.target}: ${c.met ? "MET" : "NOT MET"}`,
  ];
  // deno-lint-ignore no-console
  console.log(lines.join("\n"));
}

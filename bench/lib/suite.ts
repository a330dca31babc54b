/**
 * A thin layer over benchmark.js: runs named cases, and reports each against the first case of its
 * group (the baseline), measured in the same process and run. Ratios, not absolute numbers, are
 * what carry from one machine to another (and survive a machine shared with other work).
 */
import Benchmark from 'benchmark'

export interface CaseResult {
  name: string
  /** Operations per second (benchmark.js: the mean over its samples). */
  opsPerSec: number
  /** Relative margin of error, percent. */
  rme: number
  /** opsPerSec / baseline opsPerSec (the baseline is 1). */
  ratio: number
}

export interface GroupResult {
  title: string
  /** What one operation is, and anything a reader must know to read the numbers. */
  note?: string
  cases: CaseResult[]
}

/** Seconds benchmark.js spends on each case (BENCH_MAX_TIME overrides, e.g. 0.05 for a smoke run). */
const MAX_TIME = Number(process.env.BENCH_MAX_TIME ?? 1)

export function runGroup(title: string, cases: Record<string, () => void>, note?: string): GroupResult {
  const suite = new Benchmark.Suite(title)
  for (const [name, fn] of Object.entries(cases)) {
    suite.add(name, fn, { minSamples: MAX_TIME < 0.5 ? 2 : 15, maxTime: MAX_TIME })
  }
  suite.run({ async: false })
  const results = (suite as unknown as Benchmark[]).map((b) => ({
    name: b.name!,
    opsPerSec: b.hz,
    rme: b.stats.rme,
  }))
  return report({ title, note, cases: withRatios(results) })
}

/** Adds ratios against the first case. */
export function withRatios(results: Array<Omit<CaseResult, 'ratio'>>): CaseResult[] {
  const baseline = results[0]!.opsPerSec
  return results.map((r) => ({ ...r, ratio: r.opsPerSec / baseline }))
}

export function report(group: GroupResult): GroupResult {
  for (const c of group.cases) {
    console.log(
      `${group.title} | ${c.name}: ${Math.round(c.opsPerSec).toLocaleString('en-US')} ops/s ±${c.rme.toFixed(1)}% (${c.ratio.toFixed(2)}x)`,
    )
  }
  return group
}

/** The median of some numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

/** Keeps results alive so the JIT cannot drop the work that made them. */
export let sink: unknown
export function keep(value: unknown): void {
  sink = value
}

/**
 * A thin layer over benchmark.js: runs named cases, and reports each against the first case of its
 * group (the baseline), measured in the same process and run. Ratios, not absolute numbers, are
 * what carry from one machine to another.
 */
import Benchmark from 'benchmark'

export interface CaseResult {
  name: string
  opsPerSec: number
  rme: number
  /** opsPerSec / baseline opsPerSec (the baseline is 1). */
  ratio: number
}

export interface GroupResult {
  title: string
  cases: CaseResult[]
}

export function runGroup(title: string, cases: Record<string, () => void>): GroupResult {
  const suite = new Benchmark.Suite(title)
  for (const [name, fn] of Object.entries(cases)) suite.add(name, fn, { minSamples: 20, maxTime: 2 })
  suite.run({ async: false })
  const results = (suite as unknown as Benchmark[]).map((b) => ({
    name: b.name!,
    opsPerSec: b.hz,
    rme: b.stats.rme,
  }))
  const baseline = results[0]!.opsPerSec
  const group = { title, cases: results.map((r) => ({ ...r, ratio: r.opsPerSec / baseline })) }
  for (const c of group.cases) {
    console.log(
      `${title} | ${c.name}: ${Math.round(c.opsPerSec).toLocaleString('en-US')} ops/s ±${c.rme.toFixed(1)}% (${c.ratio.toFixed(2)}x)`,
    )
  }
  return group
}

/**
 * `pnpm bench`: runs every benchmark and writes bench/RESULTS.md (medians are benchmark.js's
 * means over its samples; ratios are against the baseline of each group, measured in the same run).
 * The committed RESULTS.md is this script's output, never edited by hand.
 */
import { writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { benchExtractFields } from './json/extract-fields.js'
import type { GroupResult } from './lib/suite.js'
import { benchLimit } from './limit/index.js'

const groups: GroupResult[] = [...benchExtractFields(), ...(await benchLimit())]

const machine = `Node ${process.version}, ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ${new Date().toISOString().slice(0, 10)}`
const lines = [
  '# Benchmark results',
  '',
  'Written by `pnpm bench` (bench/run.ts); do not edit by hand. Each ratio compares a case with the',
  'first case of its group (the baseline), both measured in the same run on the same machine.',
  '',
  `Machine: ${machine}`,
  '',
]
for (const group of groups) {
  lines.push(`## ${group.title}`, '', '| case | ops/s | ± | vs baseline |', '|---|---:|---:|---:|')
  for (const c of group.cases) {
    lines.push(
      `| ${c.name} | ${Math.round(c.opsPerSec).toLocaleString('en-US')} | ${c.rme.toFixed(1)}% | ${c.ratio.toFixed(2)}x |`,
    )
  }
  lines.push('')
}
writeFileSync(new URL('./RESULTS.md', import.meta.url), lines.join('\n'))
console.log('wrote bench/RESULTS.md')

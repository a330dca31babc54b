/**
 * `pnpm soak [--minutes N]`: the soak through every adapter in turn (default 1 minute each), then
 * the Soak section of bench/RESULTS.md. Exits non-zero when any reply crossed or was lost.
 */
import { ADAPTERS } from './apps.js'
import { writeSoakSection } from './results-section.js'
import { runSoak, type SoakResult } from './soak.js'

function minutesArg(argv: string[]): number {
  const at = argv.indexOf('--minutes')
  if (at === -1) return 1
  const n = Number(argv[at + 1])
  if (!(n > 0 && n <= 24 * 60))
    throw new Error(`--minutes must be a number from 0 to 1440 (got ${argv[at + 1]})`)
  return n
}

const minutes = minutesArg(process.argv.slice(2))
const results: SoakResult[] = []
for (const adapter of ADAPTERS) {
  console.log(`soak: ${adapter} for ${minutes} min`)
  const result = await runSoak({ adapter, durationMs: minutes * 60_000 })
  console.log(
    `soak: ${adapter}: ${result.requests} requests, ${result.crossed} crossed, ${result.lost} lost, ${result.ejections} ejections`,
  )
  for (const p of result.problems) console.log(`  ${p}`)
  results.push(result)
}
writeSoakSection(results, minutes)
console.log('wrote the Soak section of bench/RESULTS.md')
if (results.some((r) => r.crossed > 0 || r.lost > 0)) process.exitCode = 1

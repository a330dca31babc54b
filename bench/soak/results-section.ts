/**
 * The Soak section of bench/RESULTS.md: written by `pnpm soak` in place (the rest of the file is
 * `pnpm bench`'s), and kept by `pnpm bench` when it rewrites the file (`keptSoakSection`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { KINDS } from './requests.js'
import { SCHEDULE, type SoakResult } from './soak.js'

const RESULTS = new URL('../RESULTS.md', import.meta.url)
const HEADING = '## Soak'

/** The Soak section of the current RESULTS.md, as lines (none when there is none). */
export function keptSoakSection(): string[] {
  if (!existsSync(RESULTS)) return []
  const text = readFileSync(RESULTS, 'utf8')
  const start = text.indexOf(`\n${HEADING}`)
  if (start === -1) return []
  const next = text.indexOf('\n## ', start + 1)
  return text
    .slice(start + 1, next === -1 ? undefined : next)
    .trimEnd()
    .split('\n')
    .concat('')
}

function section(results: SoakResult[], minutes: number): string[] {
  const lines = [
    `${HEADING} (bench/soak/, \`pnpm soak\`)`,
    '',
    `${minutes} min per adapter, 16 clients, through each adapter to two @velox/mock-upstream servers (the second a fallback), on ${new Date().toISOString().slice(0, 10)} with Node ${process.version}. The mix: small JSON, SSE, 1 MB and 8 MB bodies, clients that leave mid-stream, upstream resets mid-stream, a 500 then a success. The primary upstream's schedule: ${SCHEDULE.map((s) => `${s.what} from ${Math.round(s.at * 100)}%`).join(', ')}. Every reply is checked against its own request (a tag in the body): crossed = a reply naming another request, lost = a reply that should have come and did not, or came wrong; cut and left are the expected ends of the reset and leave kinds. Load, gateway and mocks share one process, so RSS and loop delay are the process's: read their trend.`,
    '',
    '| adapter | requests | crossed | lost | RSS after warm-up | RSS at the end | loop delay p50 | p99 | max | ejections | cooldowns |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ]
  for (const r of results) {
    lines.push(
      `| ${r.adapter} | ${r.requests} | ${r.crossed} | ${r.lost} | ${r.rssWarmMb} MB | ${r.rssEndMb} MB | ${r.loopP50Ms.toFixed(1)} ms | ${r.loopP99Ms.toFixed(1)} ms | ${r.loopMaxMs.toFixed(1)} ms | ${r.ejections} | ${r.cooldowns} |`,
    )
  }
  lines.push(
    '',
    '| adapter | kind | sent | ok | cut | left | lost | crossed |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  )
  for (const r of results) {
    for (const kind of KINDS) {
      const c = r.byKind[kind]
      lines.push(
        `| ${r.adapter} | ${kind} | ${c.sent} | ${c.ok} | ${c.cut} | ${c.left} | ${c.lost} | ${c.crossed} |`,
      )
    }
  }
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.adapter}: ${p}`))
  if (problems.length > 0)
    lines.push('', 'Lost or crossed (first ten per adapter):', '', ...problems.map((p) => `- ${p}`))
  return [...lines, '']
}

/** Writes the Soak section into RESULTS.md, replacing the previous one. */
export function writeSoakSection(results: SoakResult[], minutes: number): void {
  const text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n'
  const fresh = section(results, minutes).join('\n')
  const start = text.indexOf(`\n${HEADING}`)
  let out: string
  if (start === -1) out = `${text.trimEnd()}\n\n${fresh}`
  else {
    const next = text.indexOf('\n## ', start + 1)
    out = `${text.slice(0, start + 1)}${fresh}${next === -1 ? '' : text.slice(next)}`
  }
  writeFileSync(RESULTS, out)
}

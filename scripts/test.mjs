// Runs vitest and prints the plain closing line `N passed, N failed` that CI reads (vitest's own
// summary is not read there; see .ci/run). Exits non-zero on any failure.
//
// `node scripts/test.mjs` runs the suite once under the node that runs this script.
// `node scripts/test.mjs --node 22=/path/to/bin --node 24=/other/bin [vitest args]` runs it once per
// named line (the bin folder goes first on PATH, so vitest's forks and any `node` a test spawns are
// that line's), prints `node 22: N passed, N failed` after each run, and the plain line last with
// the totals of every run: CI reads the last plain line, so the per-line ones carry a prefix.
import { spawnSync } from 'node:child_process'
import { readFileSync, rmSync } from 'node:fs'
import { delimiter, join } from 'node:path'

const args = process.argv.slice(2)
const lines = []
const vitestArgs = []
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') {
    const [name, bin] = args[++i].split('=')
    lines.push({ name, bin })
  } else vitestArgs.push(args[i])
}

/** One vitest run; its counts, read from vitest's JSON reporter. */
function run(line) {
  const report = `.vitest-report${line ? `-${line.name}` : ''}.json`
  rmSync(report, { force: true })
  const env = line ? { ...process.env, PATH: `${line.bin}${delimiter}${process.env.PATH}` } : process.env
  const node = line ? join(line.bin, 'node') : process.execPath
  const child = spawnSync(
    node,
    [
      'node_modules/vitest/vitest.mjs',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...vitestArgs,
    ],
    { stdio: 'inherit', env },
  )
  let passed = 0
  let failed = 0
  let skipped = 0
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'))
    passed = json.numPassedTests
    failed = json.numFailedTests + (json.numFailedTestSuites > 0 && json.numFailedTests === 0 ? 1 : 0)
    skipped = json.numPendingTests + json.numTodoTests
  } catch {
    failed = 1
  }
  return { passed, failed, skipped, ok: child.status === 0 && failed === 0 && passed > 0 }
}

const summary = ({ passed, failed, skipped }) =>
  `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`

const results = []
if (lines.length === 0) results.push(run(undefined))
for (const line of lines) {
  const result = run(line)
  console.log(`\nnode ${line.name}: ${summary(result)}`)
  results.push(result)
}
const total = results.reduce(
  (sum, r) => ({
    passed: sum.passed + r.passed,
    failed: sum.failed + r.failed,
    skipped: sum.skipped + r.skipped,
    ok: sum.ok && r.ok,
  }),
  { passed: 0, failed: 0, skipped: 0, ok: true },
)
console.log(`\n${summary(total)}`)
process.exit(total.ok ? 0 : 1)

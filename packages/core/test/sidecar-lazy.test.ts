/**
 * Observability costs nothing when off: a gateway without the sidecar loads none of it (no sidecar
 * module, no prom-client, no pprof-format) and starts no thread. Checked on the BUILT package, in
 * both formats, because that is where a bundler could hoist a lazy import into the main bundle:
 * CommonJS through require.cache, ES modules through a resolve hook that sees every import.
 * The same probes with the sidecar on show the built worker file is found and serves.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'

const core = fileURLToPath(new URL('..', import.meta.url))
const fixtures = join(core, 'test/fixtures')
// Inside node_modules, so the build resolves its dependencies as the published package would.
const dist = join(core, 'node_modules/.cache/velox-lazy-test-dist')

interface Report {
  sidecar: string | null
  telemetry: boolean
  recordsWanted: boolean
  workersStarted: number
  metrics?: number
  profile?: number
  loaded: string[]
}

function probe(format: 'cjs' | 'esm', mode: 'plain' | 'sidecar'): Report {
  const args =
    format === 'cjs'
      ? [join(fixtures, 'lazy-probe.cjs'), dist, mode]
      : [
          '--import',
          join(fixtures, 'register-resolve-hooks.mjs'),
          join(fixtures, 'lazy-probe.mjs'),
          dist,
          mode,
        ]
  const out = execFileSync(process.execPath, args, { encoding: 'utf8', cwd: core, timeout: 30_000 })
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

const sidecarModules = /prom-client|pprof-format|[\\/]sidecar[\\/]/

beforeAll(() => {
  // The package's own tsup config (entries, shims), built from packages/core as `pnpm build` does.
  const script = `import('tsup').then(({ build }) => build({ outDir: ${JSON.stringify(dist)}, dts: false, sourcemap: false, silent: true }))`
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: core, timeout: 60_000 })
}, 60_000)

describe.each([
  ['cjs', 'index.cjs', 'sidecar/main.cjs'],
  ['esm', 'index.js', 'sidecar/main.js'],
] as const)('the built package (%s)', (format, index, sidecarMain) => {
  it('keeps the sidecar out of the main bundle', () => {
    // An eager import would be inlined (or hoisted) here, where no loader probe could tell it apart.
    const source = readFileSync(join(dist, index), 'utf8')
    for (const marker of [
      'prom-client',
      'pprof-format',
      'function startSidecar',
      'class TelemetryWriter',
      'monitorEventLoopDelay',
      'velox-sidecar',
    ]) {
      expect(source).not.toContain(marker)
    }
    expect(source).toContain('"sidecar/main"') // loaded by name, at run time
  })

  it('loads nothing of the sidecar and starts no thread when the sidecar is off', () => {
    const report = probe(format, 'plain')
    expect(report).toMatchObject({ sidecar: null, telemetry: false, recordsWanted: false, workersStarted: 0 })
    const files = report.loaded.map((f) => (f.startsWith('file:') ? fileURLToPath(f) : f))
    expect(files).toContain(join(dist, index))
    expect(files.some((f) => f.includes(`${join('node_modules', '.pnpm', 'undici@')}`))).toBe(true) // the probe sees packages
    expect(files.filter((f) => sidecarModules.test(f.slice(dist.length)))).toEqual([])
  })

  it('loads the sidecar module, finds the built worker and serves, when the sidecar is on', () => {
    const report = probe(format, 'sidecar')
    expect(report).toMatchObject({
      telemetry: true,
      recordsWanted: true,
      workersStarted: 1,
      metrics: 200,
      profile: 200,
    })
    expect(report.sidecar).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const files = report.loaded.map((f) => (f.startsWith('file:') ? fileURLToPath(f) : f))
    expect(files).toContain(join(dist, sidecarMain))
    // prom-client and pprof-format are loaded by the worker only, never on the main thread.
    expect(files.filter((f) => /prom-client|pprof-format/.test(f))).toEqual([])
  })
})

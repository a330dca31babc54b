/**
 * Two builds of stage 1 (the WebAssembly first pass of the SIMD scanner) side by side, in one
 * process, over one arena: the time of stage 1 alone (no walk) on each body of the field-scan
 * bench, best of ROUNDS interleaved rounds. For a change to packages/core/src/json/simd/assembly/
 * stage1.ts, compare the source at a commit with this tree's:
 *
 *   node --import tsx bench/json/stage1-compare.ts <commit> [<commit or this tree>]
 *
 * Each side is compiled here with the package's own flags (packages/core/scripts/compile-stage1.mjs).
 * Prints microseconds per body for each side and the ratio; nothing is written to RESULTS.md.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WasmArena } from '@velox/core/internal'
import { compileStage1 } from '../../packages/core/scripts/compile-stage1.mjs'
import { SCAN_BODIES } from './extract-fields.js'

interface Stage1 {
  begin(ptr: number, len: number, scratch: number): void
  next(out: number, capacity: number): number
  done(): number
}

// The project's TypeScript libraries do not declare the WebAssembly global (see the core's ingress/wasm-api.ts).
const { WebAssembly: wasm } = globalThis as unknown as {
  WebAssembly: {
    Module: new (bytes: Uint8Array) => object
    Instance: new (module: object, imports: object) => { exports: unknown }
  }
}
const SOURCE = 'packages/core/src/json/simd/assembly/stage1.ts'
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7)
const repo = fileURLToPath(new URL('../..', import.meta.url))
const work = mkdtempSync(join(tmpdir(), 'velox-stage1-'))

/** The .wasm of stage 1 at `revision` (a commit), or of this tree when it is undefined. */
async function build(revision: string | undefined, name: string): Promise<Uint8Array> {
  let source = join(repo, SOURCE)
  if (revision !== undefined) {
    source = join(work, `${name}.ts`)
    writeFileSync(source, execFileSync('git', ['show', `${revision}:${SOURCE}`], { cwd: repo }))
  }
  const out = join(work, `${name}.wasm`)
  await compileStage1(source, out)
  return readFileSync(out)
}

const sides = [process.argv[2], process.argv[3]]
if (sides[0] === undefined) throw new Error('usage: stage1-compare.ts <commit> [<commit>]')
const arena = new WasmArena({ maxBytes: 64 * 1024 * 1024 })
const window = arena.allocate(64 * 1024 * 4)!
const scratch = arena.allocate(64)!
const builds: Stage1[] = []
for (const [i, revision] of sides.entries()) {
  const bytes = await build(revision, `side${i}`)
  const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory: arena.memory } })
  builds.push(instance.exports as unknown as Stage1)
}

for (const [label, body] of SCAN_BODIES) {
  const slab = arena.allocate(body.length)!
  body.copy(slab)
  const runs = Math.max(20, Math.round(20_000_000 / body.length)) // about 20 MB scanned per timing
  const best = builds.map(() => Number.POSITIVE_INFINITY)
  for (let round = 0; round < ROUNDS; round++) {
    builds.forEach((stage1, i) => {
      const started = process.hrtime.bigint()
      for (let r = 0; r < runs; r++) {
        stage1.begin(slab.byteOffset, body.length, scratch.byteOffset)
        while (!stage1.done()) stage1.next(window.byteOffset, 64 * 1024)
      }
      best[i] = Math.min(best[i]!, Number(process.hrtime.bigint() - started) / 1000 / runs)
    })
  }
  arena.free(slab)
  console.log(
    `stage 1 | ${label} | ${sides[0]}: ${best[0]!.toFixed(2)} us | ${sides[1] ?? 'this tree'}: ${best[1]!.toFixed(2)} us | ${(best[0]! / best[1]!).toFixed(2)}x`,
  )
}

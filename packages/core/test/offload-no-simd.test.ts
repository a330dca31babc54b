// A runtime where stage 1 cannot run (no WebAssembly SIMD128, or the module not built): the offload
// worker is given no arena share, and scans arena bodies with the JS scanner, with the same results.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BufferPool } from '../src/ingress/buffer-pool.js'
import { WasmArena } from '../src/ingress/wasm-arena.js'
import { extractFields, JsonSyntaxError } from '../src/json/extract-fields.js'
import { OffloadScanner } from '../src/offload/offload-scanner.js'

vi.mock('../src/json/simd/stage1-module.js', () => ({
  stage1Module: () => null,
  instantiateStage1: () => null,
}))

const THRESHOLD = 4096
const PAD = 'a \\"b\\" '.repeat(1_000)

describe('the offload worker where stage 1 cannot run', () => {
  const scanners: OffloadScanner[] = []
  afterEach(async () => {
    for (const scanner of scanners.splice(0)) await scanner.close()
  })

  it('scans arena bodies with the JS scanner, with the same fields and errors', async () => {
    const arena = new WasmArena({ maxBytes: 16 * 1024 * 1024 })
    const pool = new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD, arena })
    const scanner = new OffloadScanner(pool, THRESHOLD, () => {})
    scanners.push(scanner)
    const texts = [`{"model":"m","pad":"${PAD}","stream":true}`, `{"pad":"${PAD}","model":"m",}`]
    const bodies = texts.map((text) => {
      const slab = pool.acquire(Buffer.byteLength(text))
      slab.write(text)
      return slab.subarray(0, Buffer.byteLength(text))
    })
    expect(bodies.every((body) => arena.contains(body))).toBe(true)
    const results = await Promise.all(
      bodies.map(
        (body) =>
          new Promise((resolve) =>
            scanner.scan(body, (err, fields) => resolve(err ? `${err.message}` : fields)),
          ),
      ),
    )
    expect(results).toEqual([
      extractFields(bodies[0]!),
      new JsonSyntaxError('Expected a string key', Buffer.byteLength(texts[1]!) - 1).message,
    ])
    expect(scanner.stats()).toMatchObject({ offloaded: 2, simd: 0, inline: 0 })
    // No window or scratch was carved: the arena holds only the two body slabs.
    expect(arena.stats().inUse).toBe(2)
  })
})

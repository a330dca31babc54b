// The offload worker scans arena slabs with the SIMD scanner (over the arena's shared memory, with
// its own offset window and scratch) and gives exactly what the main thread's scanners give.
import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import fc from 'fast-check'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGateway } from '../src/index.js'
import { BufferPool } from '../src/ingress/buffer-pool.js'
import { WasmArena } from '../src/ingress/wasm-arena.js'
import { type ExtractedFields, extractFields, JsonSyntaxError } from '../src/json/extract-fields.js'
import { createFieldScanner } from '../src/json/simd/field-scanner.js'
import { OffloadScanner } from '../src/offload/offload-scanner.js'

const THRESHOLD = 4096
/** A long string with escapes, quotes and multi-byte UTF-8: bodies are over the threshold and cross many 64-byte blocks. */
const PAD = `lorem \\"ipsum\\" \\\\ dolor \\u00e9 sit 😀 amet ${'x'.repeat(40)} `.repeat(80)

type Outcome = { fields: ExtractedFields } | { error: string; offset: number }

function outcome(scan: () => ExtractedFields): Outcome {
  try {
    return { fields: scan() }
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err
    return { error: err.message, offset: err.offset }
  }
}

function offloaded(scanner: OffloadScanner, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) =>
    scanner.scan(body, (err, fields) =>
      resolve(err ? { error: err.message, offset: err.offset } : { fields: fields! }),
    ),
  )
}

/** Generated request bodies, valid or cut short or corrupted, all over the threshold (fixed seed). */
function generatedBodies(count: number): string[] {
  const key = fc.constantFrom(
    'model',
    'stream',
    'stream_options',
    'include_usage',
    'max_tokens',
    'user',
    'pad',
  )
  const leaf = fc.oneof(
    fc.string({ unit: fc.constantFrom('"', '\\', 'a', ' ', 'é', '😀', '\n') }),
    fc.boolean(),
    fc.integer({ min: -5, max: 1_000_000 }),
    fc.constant(null),
    fc.constant(PAD),
  )
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 4 }),
    object: fc.dictionary(fc.oneof(key, fc.string()), tie('node'), { maxKeys: 5 }),
  }))
  const body = fc
    .tuple(fc.dictionary(key, value.node, { maxKeys: 6 }), fc.integer({ min: 0, max: 3 }), fc.nat())
    .map(([fields, damage, where]) => {
      const text = JSON.stringify({ messages: [{ role: 'user', content: PAD }], ...fields })
      const at = where % text.length
      if (damage === 1) return text.slice(0, at) // cut short
      if (damage === 2) return `${text.slice(0, at)}\\x${text.slice(at)}` // a bad escape, or a stray byte
      if (damage === 3) return `${text.slice(0, at)},}${text.slice(at)}` // a trailing comma
      return text
    })
  return fc.sample(body, { numRuns: count, seed: 20_261_205 })
}

describe('the offload worker with an arena', () => {
  const arena = new WasmArena({ maxBytes: 64 * 1024 * 1024 })
  const mainThread = createFieldScanner(arena)
  const scanners: OffloadScanner[] = []
  const make = (pool = new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD, arena })) => {
    const scanner = new OffloadScanner(pool, THRESHOLD, () => {})
    scanners.push(scanner)
    return { scanner, pool }
  }
  afterEach(async () => {
    for (const scanner of scanners.splice(0)) await scanner.close()
  })

  /** `text` in a pooled arena slab at a non-zero offset, with stale bytes after it. */
  function inArena(pool: BufferPool, text: string): Buffer {
    const bytes = Buffer.from(text)
    const slab = pool.acquire(bytes.length + 128).fill('"\\{')
    bytes.copy(slab, 64)
    return slab.subarray(64, 64 + bytes.length)
  }

  it('scans arena bodies with SIMD, with the fields and errors (byte offsets too) of both main-thread scanners', async () => {
    const { scanner, pool } = make()
    const texts = generatedBodies(400)
    const bodies = texts.map((text) => inArena(pool, text))
    expect(bodies.every((body) => arena.contains(body))).toBe(true)
    // In two batches: at most OFFLOAD_CAPACITY (256) scans are in flight, more would run inline.
    const results = [
      ...(await Promise.all(bodies.slice(0, 200).map((body) => offloaded(scanner, body)))),
      ...(await Promise.all(bodies.slice(200).map((body) => offloaded(scanner, body)))),
    ]
    expect(results).toEqual(bodies.map((body) => outcome(() => mainThread.extract(body))))
    expect(results).toEqual(bodies.map((body) => outcome(() => extractFields(body))))
    // Both kinds are in the sample, so both paths were compared.
    const errors = results.filter((r) => 'error' in r).length
    expect(errors).toBeGreaterThan(50)
    expect(results.length - errors).toBeGreaterThan(50)
    expect(scanner.stats()).toMatchObject({ offloaded: 400, simd: 400, inline: 0, crashes: 0 })
  })

  it('copies a body from outside shared memory into an arena slab, and scans that with SIMD', async () => {
    const { scanner, pool } = make()
    const texts = generatedBodies(20)
    const results = await Promise.all(texts.map((text) => offloaded(scanner, Buffer.from(text))))
    expect(results).toEqual(texts.map((text) => outcome(() => extractFields(Buffer.from(text)))))
    expect(scanner.stats()).toMatchObject({ offloaded: 20, simd: 20 })
    expect(pool.stats().inUse).toBe(0)
  })

  it('keeps the JS scanner for a body in a shared slab outside the arena', async () => {
    const { scanner } = make()
    const texts = generatedBodies(20)
    const bodies = texts.map((text) => {
      const body = Buffer.from(new SharedArrayBuffer(Buffer.byteLength(text)))
      body.write(text)
      return body
    })
    const results = await Promise.all(bodies.map((body) => offloaded(scanner, body)))
    expect(results).toEqual(bodies.map((body) => outcome(() => extractFields(body))))
    expect(scanner.stats()).toMatchObject({ offloaded: 20, simd: 0 })
  })

  it('keeps the JS scanner when the pool has no arena', async () => {
    const { scanner } = make(new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD }))
    const text = generatedBodies(1)[0]!
    expect(await offloaded(scanner, Buffer.from(text))).toEqual(
      outcome(() => extractFields(Buffer.from(text))),
    )
    expect(scanner.stats()).toMatchObject({ offloaded: 1, simd: 0 })
  })

  it('scans on both threads at once without one disturbing the other (each has its own window)', async () => {
    const { scanner, pool } = make()
    const message = (content: string) => `{"role":"user","content":"${content}"},`
    const big = `{"model":"m","messages":[${message(PAD).repeat(200)}{}],"max_tokens":7}`
    // Other offsets than big's: a shared window would hand one thread the other's token offsets.
    const other = `{"messages":[${message('short').repeat(5_000)}{}],"model":"n"}`
    const bodies = Array.from({ length: 16 }, () => inArena(pool, big))
    const others = Array.from({ length: 16 }, () => inArena(pool, other))
    const expected = outcome(() => extractFields(bodies[0]!))
    const expectedOther = outcome(() => extractFields(others[0]!))
    expect(await offloaded(scanner, bodies[0]!)).toEqual(expected) // the worker is up
    const waiting = bodies.map((body) => offloaded(scanner, body))
    // While the worker scans, the main thread scans other bodies with its own SIMD scanner.
    for (const body of others) expect(outcome(() => mainThread.extract(body))).toEqual(expectedOther)
    expect(await Promise.all(waiting)).toEqual(bodies.map(() => expected))
    expect(scanner.stats()).toMatchObject({ offloaded: 17, simd: 17 })
  })

  it("carves the worker's window and scratch from the arena on its first start and gives them back on close()", async () => {
    const own = new WasmArena({ maxBytes: 16 * 1024 * 1024 })
    const pool = new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD, arena: own })
    const scanner = new OffloadScanner(pool, THRESHOLD, () => {})
    expect(own.stats().inUse).toBe(0)
    const text = generatedBodies(1)[0]!
    await offloaded(scanner, Buffer.from(text))
    // The window, the scratch, and the slab the body was copied into (idle in the pool now).
    expect(own.stats().inUse).toBe(3)
    await scanner.close()
    expect(own.stats().inUse).toBe(1)
    expect(scanner.stats()).toMatchObject({ offloaded: 1, simd: 1 })
  })
})

describe('a gateway with offload', () => {
  let mock: MockUpstream

  beforeAll(async () => {
    mock = await createMockUpstream()
  })
  afterAll(async () => {
    await mock.close()
  })

  it('has its worker scan a large pooled body with SIMD', async () => {
    const gateway = createGateway({ offload: { thresholdBytes: 16_384 }, upstream: { origin: mock.url } })
    const app = await listen(createServer((req, res) => gateway.handle(req, res)))
    try {
      const body = JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: PAD.repeat(4) }],
      })
      const res = await postJson(`${app.url}/v1/chat/completions`, body)
      expect(res.status).toBe(200)
      expect(mock.received.at(-1)!.body.toString()).toBe(body)
      expect(gateway.stats().offload).toMatchObject({ offloaded: 1, simd: 1, inline: 0 })
    } finally {
      await app.close()
      await gateway.close()
    }
  })
})

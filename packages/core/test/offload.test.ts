import { once } from 'node:events'
import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../src/index.js'
import { BufferPool } from '../src/ingress/buffer-pool.js'
import { gatewayCore } from '../src/internal.js'
import { type ExtractedFields, extractFields } from '../src/json/extract-fields.js'
import { OffloadScanner } from '../src/offload/offload-scanner.js'

const THRESHOLD = 4096
const PAD = 'x'.repeat(THRESHOLD)

/** Bodies over the threshold: good ones of every field shape, and malformed ones. */
const BODIES = [
  `{"pad":"${PAD}","model":"gpt-4o","stream":true,"stream_options":{"include_usage":false},"user":"u-1"}`,
  `{"model":"m\\u0022\\ud83d\\ude00 \\\\","user":"\\u00e9","pad":"${PAD}"}`,
  `{"max_tokens":1099511627781,"max_completion_tokens":0,"max_output_tokens":9007199254740991,"pad":"${PAD}"}`,
  `{"model":null,"stream":"yes","max_tokens":-1,"pad":"${PAD}"}`,
  `{"stream_options":{"include_usage":1},"pad":"${PAD}"}`,
  `[{"model":"inside an array"},"${PAD}"]`,
  `{"model":"😀 日本","messages":[${'{"role":"user","content":"\\"hi\\" \\\\ "},'.repeat(200)}{}]}`,
  // malformed, at different depths and places
  `{"pad":"${PAD}","model":"m",}`,
  `{"pad":"${PAD}","a":"\\x"}`,
  `{"pad":"${PAD}","a":01}`,
  `{"pad":"${PAD}"} trailing`,
  `{"pad":"${PAD}`,
  `{"pad":"${PAD}","deep":${'['.repeat(50_000)}`,
]

type Outcome = { fields: ExtractedFields } | { error: string }

function inline(body: Buffer): Outcome {
  try {
    return { fields: extractFields(body) }
  } catch (err) {
    return { error: (err as Error).message }
  }
}

function offloaded(scanner: OffloadScanner, body: Buffer): Promise<Outcome> {
  return new Promise((resolve) =>
    scanner.scan(body, (err, fields) => resolve(err ? { error: err.message } : { fields: fields! })),
  )
}

/** A body in a shared slab at a non-zero offset, with stale bytes after it (as the pool hands them out). */
function inSharedSlab(text: string): Buffer {
  const bytes = Buffer.from(text)
  const slab = Buffer.from(new SharedArrayBuffer(bytes.length + 64)).fill('"')
  bytes.copy(slab, 16)
  return slab.subarray(16, 16 + bytes.length)
}

describe('OffloadScanner', () => {
  const scanners: OffloadScanner[] = []
  const problems: string[] = []
  const make = (pool = new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD })) => {
    const scanner = new OffloadScanner(pool, THRESHOLD, (code) => problems.push(code))
    scanners.push(scanner)
    return scanner
  }
  afterEach(async () => {
    for (const scanner of scanners.splice(0)) await scanner.close()
    problems.length = 0
  })

  it('starts its worker on the first large body only', async () => {
    const scanner = make()
    expect(scanner.wants(Buffer.alloc(THRESHOLD - 1))).toBe(false)
    expect(scanner.wants(Buffer.alloc(THRESHOLD))).toBe(true)
    expect(scanner.stats()).toMatchObject({ running: false, offloaded: 0 })
    await offloaded(scanner, Buffer.from(BODIES[0]!))
    expect(scanner.stats()).toMatchObject({ running: true, offloaded: 1, inline: 0, pending: 0 })
  })

  it('gives the same fields and the same errors as the inline scan, in place or copied', async () => {
    const scanner = make()
    const bodies = BODIES.flatMap((text) => [Buffer.from(text), inSharedSlab(text)])
    const results = await Promise.all(bodies.map((body) => offloaded(scanner, body)))
    expect(results).toEqual(bodies.map(inline))
    expect(scanner.stats()).toMatchObject({ offloaded: bodies.length, inline: 0, crashes: 0 })
  })

  it('returns the shared copies it makes of bodies that were not in shared memory', async () => {
    const pool = new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD })
    const scanner = make(pool)
    await Promise.all(BODIES.map((text) => offloaded(scanner, Buffer.from(text))))
    expect(pool.stats()).toMatchObject({ inUse: 0 })
    expect(pool.stats().acquired).toBe(BODIES.length)
  })

  it('finishes every scan in flight inline when the worker dies, then starts a new one', async () => {
    const scanner = make()
    await offloaded(scanner, Buffer.from(BODIES[0]!)) // the worker is up
    const worker = scanner.worker!
    const exited = once(worker, 'exit')
    void worker.terminate() // as a crash would: the scans below go to a worker that is dying
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.from(BODIES[i % BODIES.length]!))
    const waiting = bodies.map((body) => offloaded(scanner, body))
    expect(await Promise.all(waiting)).toEqual(bodies.map(inline))
    await exited
    expect(scanner.stats()).toMatchObject({ crashes: 1, pending: 0, running: false })
    expect(problems).toEqual(['VELOX_WARN_OFFLOAD_WORKER_EXIT'])
    expect(await offloaded(scanner, Buffer.from(BODIES[1]!))).toEqual(inline(Buffer.from(BODIES[1]!)))
    expect(scanner.stats()).toMatchObject({ running: true, crashes: 1 })
  })

  it('scans inline for good after three crashes', async () => {
    const scanner = make()
    for (let i = 0; i < 3; i++) {
      await offloaded(scanner, Buffer.from(BODIES[0]!))
      const exited = once(scanner.worker!, 'exit')
      void scanner.worker!.terminate()
      await exited
    }
    expect(problems.at(-1)).toBe('VELOX_WARN_OFFLOAD_DISABLED')
    const before = scanner.stats().inline
    expect(await offloaded(scanner, Buffer.from(BODIES[2]!))).toEqual(inline(Buffer.from(BODIES[2]!)))
    expect(scanner.stats()).toMatchObject({ running: false, crashes: 3, inline: before + 1 })
  })

  it('scans inline when the worker cannot load (a bundle without dist/scan-worker.js)', async () => {
    const pool = new BufferPool(1024 * 1024, { sharedFromBytes: THRESHOLD })
    const scanner = new OffloadScanner(
      pool,
      THRESHOLD,
      (code) => problems.push(code),
      new URL('./missing.js', import.meta.url),
    )
    scanners.push(scanner)
    const bodies = BODIES.slice(0, 4).map((text) => Buffer.from(text))
    for (const body of bodies) expect(await offloaded(scanner, body)).toEqual(inline(body))
    expect(scanner.stats()).toMatchObject({ crashes: 3, offloaded: 0, inline: 4, running: false })
    expect(problems.filter((code) => code !== 'VELOX_WARN_OFFLOAD_WORKER_ERROR')).toEqual([
      'VELOX_WARN_OFFLOAD_WORKER_EXIT',
      'VELOX_WARN_OFFLOAD_WORKER_EXIT',
      'VELOX_WARN_OFFLOAD_DISABLED',
    ])
    expect(pool.stats().inUse).toBe(0)
  })

  it('close() stops the worker; scans in flight still finish, later ones run inline', async () => {
    const scanner = make()
    await offloaded(scanner, Buffer.from(BODIES[0]!))
    const worker = scanner.worker!
    const exited = once(worker, 'exit')
    const bodies = Array.from({ length: 20 }, (_, i) => Buffer.from(BODIES[i % BODIES.length]!))
    const waiting = bodies.map((body) => offloaded(scanner, body))
    await scanner.close()
    await exited
    expect(await Promise.all(waiting)).toEqual(bodies.map(inline))
    expect(scanner.stats()).toMatchObject({ running: false, pending: 0, crashes: 0 })
    expect(scanner.wants(Buffer.from(BODIES[0]!))).toBe(false)
    expect(problems).toEqual([])
  })
})

describe('a gateway with offload', () => {
  let mock: MockUpstream
  let gateway: Gateway
  let plain: Gateway
  let app: { url: string; close(): Promise<void> }
  let plainApp: { url: string; close(): Promise<void> }
  const large = (content: string) =>
    JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: `${content} ${'y'.repeat(20_000)}` }],
    })

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({ offload: { thresholdBytes: 16_384 }, upstream: { origin: mock.url } })
    plain = createGateway({ upstream: { origin: mock.url } })
    app = await listen(createServer((req, res) => gateway.handle(req, res)))
    plainApp = await listen(createServer((req, res) => plain.handle(req, res)))
  })
  afterAll(async () => {
    await app.close()
    await plainApp.close()
    await plain.close()
    await gateway.close()
    await mock.close()
  })

  it('scans small bodies inline and large ones on the worker, forwarding both byte for byte', async () => {
    const small = '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"small"}]}'
    expect((await postJson(`${app.url}/v1/chat/completions`, small)).status).toBe(200)
    expect(gateway.stats().offload).toMatchObject({ running: false, offloaded: 0 })
    const body = large('big')
    const res = await postJson(`${app.url}/v1/chat/completions`, body)
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body.toString()).choices[0].message.content).toBe(
      `Mock reply to: big ${'y'.repeat(20_000)}`,
    )
    expect(mock.received.at(-1)!.body.toString()).toBe(body)
    expect(gateway.stats().offload).toMatchObject({ running: true, offloaded: 1, inline: 0 })
    expect(gateway.stats().buffers.inUse).toBe(0)
  })

  it('answers a malformed large body exactly as the inline scan does', async () => {
    const bad = `${large('bad').slice(0, -1)},}`
    const viaWorker = await postJson(`${app.url}/v1/chat/completions`, bad)
    const viaInline = await postJson(`${plainApp.url}/v1/chat/completions`, bad)
    expect(viaWorker.status).toBe(400)
    expect(viaWorker.body.toString()).toBe(viaInline.body.toString())
    expect(JSON.parse(viaWorker.body.toString()).error.message).toBe(
      `The request body is not valid JSON: Expected a string key at byte ${bad.length - 1}`,
    )
  })

  it('answers every request in flight when the worker dies', async () => {
    const offload = gatewayCore(gateway).offload!
    const scan = offload.scan.bind(offload)
    let scans = 0
    // Stop the worker (as a crash would) the moment the fourth body has been handed to it.
    offload.scan = (body, done) => {
      scan(body, done)
      if (++scans === 4) void offload.worker!.terminate()
    }
    const texts = Array.from({ length: 12 }, (_, i) => `crash-${i}`)
    const results = await Promise.all(
      texts.map((text) => postJson(`${app.url}/v1/chat/completions`, large(text))),
    )
    offload.scan = scan
    expect(results.map((r) => r.status)).toEqual(texts.map(() => 200))
    expect(results.map((r) => JSON.parse(r.body.toString()).choices[0].message.content)).toEqual(
      texts.map((text) => `Mock reply to: ${text} ${'y'.repeat(20_000)}`),
    )
    expect(gateway.stats().offload!.crashes).toBe(1)
    expect(gateway.stats().buffers.inUse).toBe(0)
  })

  it("splices a route's model alias into a body scanned on the worker", async () => {
    const aliasing = createGateway({
      offload: { thresholdBytes: 16_384 },
      upstream: { origin: mock.url },
      routes: [{ model: 'fast', upstreams: [{ upstream: 'default', model: 'gpt-4o-mini' }] }],
    })
    const aliasApp = await listen(createServer((req, res) => aliasing.handle(req, res)))
    try {
      const body = large('alias').replace('"gpt-4o-mini"', '"fast"')
      const res = await postJson(`${aliasApp.url}/v1/chat/completions`, body)
      expect(res.status).toBe(200)
      expect(mock.received.at(-1)!.body.toString()).toBe(body.replace('"fast"', '"gpt-4o-mini"'))
      expect(aliasing.stats().offload).toMatchObject({ offloaded: 1, inline: 0 })
    } finally {
      await aliasApp.close()
      await aliasing.close()
    }
  })

  it('stops the worker on gateway.close()', async () => {
    const own = createGateway({ offload: { thresholdBytes: 16_384 }, upstream: { origin: mock.url } })
    const ownApp = await listen(createServer((req, res) => own.handle(req, res)))
    expect((await postJson(`${ownApp.url}/v1/chat/completions`, large('close'))).status).toBe(200)
    const worker = gatewayCore(own).offload!.worker!
    const exited = once(worker, 'exit')
    await ownApp.close()
    await own.close()
    await exited
    expect(own.stats().offload).toMatchObject({ running: false, crashes: 0 })
    expect(gatewayCore(own).offload!.worker).toBeNull()
  })
})

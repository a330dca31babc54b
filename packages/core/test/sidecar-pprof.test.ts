import { createServer } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { type RawResponse, send } from '@velox/test-utils'
import { Profile } from 'pprof-format'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { captureLogger } from './helpers/capture-logger.js'
import { type SidecarFixture, startSidecarFixture } from './helpers/sidecar-fixture.js'

/** Spins the main thread on Date.now() for `ms`: the work a profile must find. */
function veloxBusyLoopForTest(ms: number): number {
  const end = Date.now() + ms
  let spins = 0
  while (Date.now() < end) spins++
  return spins
}

/**
 * The same, for the flame graph test. A loop V8 has already compiled on-stack (OSR) in an earlier
 * profile is attributed to its caller in the next one (V8 does not log OSR code when a profile
 * starts; seen on Node 20 and 22): each test spins in a function of its own.
 */
function veloxFlameGraphLoopForTest(ms: number): number {
  const end = Date.now() + ms
  let spins = 0
  while (Date.now() < end) spins++
  return spins
}

const retained: number[][] = []
/** Allocates arrays and keeps them: what a heap profile must find. */
function veloxAllocateForTest(count: number): void {
  for (let i = 0; i < count; i++) retained.push(new Array(256).fill(i))
}

interface Decoded {
  strings: string[]
  profile: Profile
}

function decode(body: Buffer): Decoded {
  const profile = Profile.decode(gunzipSync(body))
  return { profile, strings: profile.stringTable.strings }
}

function sampleTypes({ profile, strings }: Decoded): string[][] {
  return profile.sampleType.map((t) => [strings[Number(t.type)]!, strings[Number(t.unit)]!])
}

/** The total of value `index` over the samples whose stack contains the function named `name`. */
function valueIn({ profile, strings }: Decoded, name: string, index: number): number {
  const ids = new Set(
    profile.function.filter((f) => strings[Number(f.name)] === name).map((f) => Number(f.id)),
  )
  const locations = new Set(
    profile.location
      .filter((l) => l.line.some((line) => ids.has(Number(line.functionId))))
      .map((l) => Number(l.id)),
  )
  return profile.sample
    .filter((s) => s.locationId.some((id) => locations.has(Number(id))))
    .reduce((sum, s) => sum + Number(s.value[index]), 0)
}

/** Start and end tags balance, nothing but markup at the top level: an XML-ish check without a parser. */
function expectWellFormedSvg(svg: string): void {
  expect(
    svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"'),
  ).toBe(true)
  const stack: string[] = []
  for (const [, close, name, selfClosing] of svg
    .replace(/<\?xml[^>]*\?>/, '')
    .matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue
    if (close) expect(stack.pop()).toBe(name)
    else stack.push(name!)
  }
  expect(stack).toEqual([])
  expect(svg).not.toMatch(/<[^a-zA-Z/?!]/) // every `<` in text is escaped
}

describe('the sidecar pprof endpoints', () => {
  let f: SidecarFixture
  const log = captureLogger()
  const started = () => log.lines.filter((l) => l.msg?.endsWith('profile started')).length

  beforeAll(async () => {
    f = await startSidecarFixture({ logger: log.logger })
  })
  afterAll(() => f.close())

  /**
   * Sends a profile request and resolves once the profiler runs on the main thread, with the
   * response still to come (wrapped: an async function returning a promise would wait for it).
   */
  async function startProfile(path: string): Promise<{ response: Promise<RawResponse> }> {
    const before = started()
    const response = send(`${f.sidecar}${path}`)
    await vi.waitFor(() => expect(started()).toBe(before + 1), { timeout: 10_000 })
    return { response }
  }

  it('answers while the main thread is busy, with a gzipped pprof that names the busy function', async () => {
    const { response } = await startProfile('/debug/pprof/profile?seconds=1')
    veloxBusyLoopForTest(2000)
    const res = await response
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/octet-stream')
    expect(res.headers['content-disposition']).toBe('attachment; filename="profile.pb.gz"')
    const decoded = decode(res.body)
    expect(sampleTypes(decoded)).toEqual([
      ['samples', 'count'],
      ['cpu', 'nanoseconds'],
    ])
    expect(decoded.strings[Number(decoded.profile.periodType!.type)]).toBe('cpu')
    expect(Number(decoded.profile.period)).toBe(1_000_000)
    const busy = decoded.profile.function.find(
      (fn) => decoded.strings[Number(fn.name)] === 'veloxBusyLoopForTest',
    )!
    expect(decoded.strings[Number(busy.filename)]).toMatch(/sidecar-pprof\.test\.ts$/)
    expect(Number(busy.startLine)).toBeGreaterThan(0)
    expect(valueIn(decoded, 'veloxBusyLoopForTest', 0)).toBeGreaterThan(0)
    expect(valueIn(decoded, 'veloxBusyLoopForTest', 1)).toBeGreaterThan(0)
  })

  it('serves the raw V8 profile with ?format=cpuprofile', async () => {
    const res = await send(`${f.sidecar}/debug/pprof/profile?seconds=0.2&format=cpuprofile`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json')
    expect(res.headers['content-disposition']).toBe('attachment; filename="profile.cpuprofile"')
    const profile = JSON.parse(res.body.toString())
    expect(Object.keys(profile).sort()).toEqual(['endTime', 'nodes', 'samples', 'startTime', 'timeDeltas'])
    expect(profile.nodes[0].callFrame.functionName).toBe('(root)')
    expect(profile.samples.length).toBe(profile.timeDeltas.length)
  })

  it('draws a flame graph with ?format=svg that names the busy function', async () => {
    const { response } = await startProfile('/debug/pprof/profile?seconds=0.5&format=svg')
    veloxFlameGraphLoopForTest(1000)
    const res = await response
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/svg+xml; charset=utf-8')
    expect(res.headers['content-disposition']).toBeUndefined() // shown in the browser, not downloaded
    const svg = res.body.toString()
    expectWellFormedSvg(svg)
    expect(svg).toMatch(
      /<title>veloxFlameGraphLoopForTest \S*sidecar-pprof\.test\.ts:\d+ \(\d+ samples, [\d.]+%\)<\/title>/,
    )
  })

  it('takes a sampling heap profile in the same three formats', async () => {
    const { response } = await startProfile('/debug/pprof/heap?seconds=0.5')
    veloxAllocateForTest(5_000) // about 10 MB, some 300 samples at V8's 32 KiB interval
    const res = await response
    retained.length = 0
    expect(res.status).toBe(200)
    expect(res.headers['content-disposition']).toBe('attachment; filename="heap.pb.gz"')
    const decoded = decode(res.body)
    expect(sampleTypes(decoded)).toEqual([
      ['samples', 'count'],
      ['inuse_space', 'bytes'],
    ])
    expect(valueIn(decoded, 'veloxAllocateForTest', 1)).toBeGreaterThan(0)

    const raw = await send(`${f.sidecar}/debug/pprof/heap?seconds=0.1&format=heapprofile`)
    expect(raw.status).toBe(200)
    expect(raw.headers['content-disposition']).toBe('attachment; filename="heap.heapprofile"')
    expect(JSON.parse(raw.body.toString()).head.callFrame.functionName).toBe('(root)')

    const svg = await send(`${f.sidecar}/debug/pprof/heap?seconds=0.1&format=svg`)
    expect(svg.status).toBe(200)
    expectWellFormedSvg(svg.body.toString())
  })

  it('takes one profile at a time: 409 for a second one', async () => {
    const { response: first } = await startProfile('/debug/pprof/profile?seconds=1')
    const conflict = {
      code: 'profile_in_progress',
      message: 'A profile is already being taken; try again when it ends',
    }
    for (const path of ['/debug/pprof/profile?seconds=1', '/debug/pprof/heap?seconds=1']) {
      const res = await send(`${f.sidecar}${path}`)
      expect(res.status).toBe(409)
      expect(res.headers['content-type']).toBe('application/json')
      expect(JSON.parse(res.body.toString())).toEqual({ error: conflict })
    }
    expect((await first).status).toBe(200)
    expect((await send(`${f.sidecar}/debug/pprof/heap?seconds=0.1`)).status).toBe(200) // free again
  })

  it.each(['0', '-1', '61', '60.5', 'abc', '', '1e1', 'NaN', 'Infinity', '0x10'])(
    'answers 400 for seconds=%j',
    async (seconds) => {
      const res = await send(`${f.sidecar}/debug/pprof/profile?seconds=${encodeURIComponent(seconds)}`)
      expect(res.status).toBe(400)
      expect(JSON.parse(res.body.toString())).toEqual({
        error: {
          code: 'invalid_parameter',
          message: `seconds must be a number > 0 and <= 60 (got ${JSON.stringify(seconds)})`,
        },
      })
    },
  )

  it('answers 400 for an unknown format, naming the allowed ones', async () => {
    const cpu = await send(`${f.sidecar}/debug/pprof/profile?seconds=1&format=heapprofile`)
    expect(cpu.status).toBe(400)
    expect(JSON.parse(cpu.body.toString()).error.message).toBe(
      'format must be one of pprof, cpuprofile, svg (got "heapprofile")',
    )
    const heap = await send(`${f.sidecar}/debug/pprof/heap?format=png`)
    expect(heap.status).toBe(400)
    expect(JSON.parse(heap.body.toString()).error.message).toBe(
      'format must be one of pprof, heapprofile, svg (got "png")',
    )
  })

  it('answers 404 for unknown paths and 405 for methods other than GET', async () => {
    for (const path of ['/', '/debug/pprof/', '/debug/pprof/goroutine', '/metrics/']) {
      const res = await send(`${f.sidecar}${path}`)
      expect(res.status).toBe(404)
      expect(JSON.parse(res.body.toString())).toEqual({
        error: { code: 'not_found', message: `No such endpoint: ${path}` },
      })
    }
    for (const method of ['POST', 'DELETE', 'PUT']) {
      const res = await send(`${f.sidecar}/metrics`, { method })
      expect(res.status).toBe(405)
      expect(res.headers.allow).toBe('GET')
      expect(JSON.parse(res.body.toString())).toEqual({
        error: { code: 'method_not_allowed', message: 'Only GET is allowed' },
      })
    }
  })
})

describe('gateway.close() and the sidecar', () => {
  it('terminates the worker and releases the port', async () => {
    const f = await startSidecarFixture()
    const port = Number(new URL(f.sidecar).port)
    await f.close()
    await expect(send(`${f.sidecar}/metrics`)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    const server = createServer()
    await new Promise<void>((resolve, reject) =>
      server.once('error', reject).listen(port, '127.0.0.1', resolve),
    )
    await new Promise((resolve) => server.close(resolve))
  })
})

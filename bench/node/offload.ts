/**
 * Does scanning large bodies on a worker thread (the offload) pay, and from which size?
 *
 * 1. Main-thread cost, in this process: the time one large body holds the main thread when
 *    scanned inline by the gateway's own field scanner (the SIMD scanner where this runtime has
 *    WebAssembly SIMD, as on the request path), against what an offloaded scan still costs the
 *    main thread (hand-off, result, decoding model and user: measured with the event loop
 *    utilization) and how long it takes to come back. The body lies in a slab of the gateway's
 *    pool (its arena), as a request body does, so both scanners read it in place and the worker
 *    scans it with SIMD too (checked: the run fails if it did not). Medians of repeated scans;
 *    little affected by other work on the machine.
 * 2. Under load, through the real gateway (node:http + gateway.handle in its own process, in front
 *    of a sink upstream that answers without parsing: node/sink-upstream.ts says why): small 4 KB
 *    chat requests under autocannon while a second client posts large bodies (256 KB, 1, 4 or 16 MB of
 *    chat text) at a fixed 32 MB per second (128, 32, 8 or 2 a second: the same scanning work, in longer or
 *    shorter pieces); once scanned inline, once offloaded. Reported: the gateway's event-loop delay
 *    (perf_hooks.monitorEventLoopDelay, 1 ms resolution: p50, p99, max), how busy its main thread
 *    was, and the small requests' latency and rate. On a shared machine the delay includes time
 *    the OS gave to other processes, in both modes alike.
 */
import { performance } from 'node:perf_hooks'
import { createGateway } from '@velox/core'
import { type BufferPool, gatewayCore, type OffloadScanner } from '@velox/core/internal'
import autocannon from 'autocannon'
import { Agent, request } from 'undici'
import { chatBody, sizeLabel } from '../lib/bodies.js'
import { type ProxyProcess, startProxy, startSink } from '../lib/processes.js'
import { median } from '../lib/suite.js'

export const COST_SIZES = [16, 64, 256, 1024, 4096, 16_384].map((kb) => kb * 1024)
export const LOAD_SIZES = [0, 256, 1024, 4096, 16_384].map((kb) => kb * 1024)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
/** Every large body is offloaded in the "offload" runs (the threshold is what is being chosen). */
const OFFLOAD_FROM = 64 * 1024

export interface CostRow {
  size: number
  /** Median milliseconds the main thread is held by one inline scan. */
  inlineMs: number
  /** Median main-thread milliseconds per offloaded scan, and its wall time until the result. */
  offloadMainMs: number
  offloadLatencyMs: number
}

/** A large chat request: the bulk in the history, a short last question, a short answer. */
function largeBody(bytes: number): Buffer {
  const history = JSON.parse(chatBody(bytes, 32).toString())
  history.messages.push({ role: 'user', content: 'Summarize the above.' })
  history.stream = false
  history.max_tokens = 8
  return Buffer.from(JSON.stringify(history))
}

/** `body` copied into a slab of the gateway's pool (its arena), as a large request body lies there. */
function pooled(pool: BufferPool, body: Buffer): Buffer {
  const slab = pool.acquire(body.length)
  body.copy(slab)
  return slab.subarray(0, body.length)
}

function scanOnWorker(offload: OffloadScanner, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => offload.scan(body, (err) => (err ? reject(err) : resolve())))
}

/** Repetitions per size: more for small bodies, about 64 MB scanned in all per size. */
function runsFor(size: number): number {
  return Math.max(10, Math.min(200, Math.round((64 * 1024 * 1024) / size)))
}

/**
 * Inline scans, round-robin over the sizes so that every size is timed in the same JIT states:
 * timed one size after the other, the SIMD walker ran 2-4x slower per byte on whichever size came
 * before it had seen larger bodies (even after 1,000 warm-up scans of that size alone).
 */
function timeInline(parse: (body: Buffer) => unknown, bodies: Buffer[]): number[][] {
  const times = bodies.map((): number[] => [])
  const rounds = Math.max(...bodies.map((body) => runsFor(body.length)))
  for (let round = -5; round < rounds; round++) {
    for (const [n, body] of bodies.entries()) {
      if (round >= runsFor(body.length)) continue
      const t = performance.now()
      parse(body)
      if (round >= 0) times[n]!.push(performance.now() - t) // rounds below 0 are warm-up
    }
  }
  return times
}

export async function benchOffloadCost(): Promise<CostRow[]> {
  const gateway = createGateway({
    offload: { thresholdBytes: 4096 },
    upstream: { origin: 'http://127.0.0.1:9' },
  })
  const core = gatewayCore(gateway)
  const offload = core.offload!
  const rows: CostRow[] = []
  try {
    const bodies = COST_SIZES.map((size) => pooled(core.bufferPool, largeBody(size)))
    const inline = timeInline((body) => core.fieldParser.parse(body), bodies)
    // Offloaded scans apart from the inline ones: right after an inline SIMD scan, the event loop
    // utilization under tsx counted the whole wait for the worker as main-thread work (not so
    // under plain node, nor with the scans apart).
    for (const [n, size] of COST_SIZES.entries()) {
      const body = bodies[n]!
      const main: number[] = []
      const latency: number[] = []
      for (let i = 0; i < 5; i++) await scanOnWorker(offload, body) // warm-up, and the worker is up
      for (let i = 0; i < runsFor(size); i++) {
        const before = performance.eventLoopUtilization()
        const t = performance.now()
        await scanOnWorker(offload, body)
        latency.push(performance.now() - t)
        main.push(performance.eventLoopUtilization(before).active)
      }
      const row = {
        size,
        inlineMs: median(inline[n]!),
        offloadMainMs: median(main),
        offloadLatencyMs: median(latency),
      }
      console.log(
        `offload cost | ${sizeLabel(size)}: inline ${row.inlineMs.toFixed(3)} ms, offloaded ${row.offloadMainMs.toFixed(3)} ms on the main thread, ${row.offloadLatencyMs.toFixed(3)} ms until the result`,
      )
      rows.push(row)
    }
    const stats = offload.stats()
    if (stats.simd !== stats.offloaded) {
      throw new Error(`the worker scanned ${stats.offloaded - stats.simd} bodies without SIMD`)
    }
  } finally {
    await gateway.close()
  }
  const from = offloadPaysFrom(rows)
  console.log(`offload cost | pays from ${from === undefined ? 'no measured size' : sizeLabel(from)}`)
  return rows
}

/**
 * The body size from which the offload pays, by the cost rows: the smallest measured size at which,
 * and at every larger one, the inline scan holds the main thread at least twice as long as the
 * offloaded scan still costs it, so the main-thread time saved (inline - offloaded) is at least
 * the hand-off's own cost. Undefined when no measured size qualifies. The default threshold
 * (DEFAULTS.offload in @velox/core's config/defaults.ts) is chosen by it.
 */
export function offloadPaysFrom(rows: CostRow[]): number | undefined {
  let from: number | undefined
  for (const row of [...rows].sort((a, b) => a.size - b.size)) {
    if (row.inlineMs >= 2 * row.offloadMainMs) from ??= row.size
    else from = undefined
  }
  return from
}

export interface LoadRow {
  size: number
  mode: 'inline' | 'offload'
  loopP50: number
  loopP99: number
  loopMax: number
  /** Share of the time the gateway's main thread was busy. */
  loopBusy: number
  smallP50: number
  smallP99: number
  smallReqPerSec: number
  largeDone: number
  /** Non-2xx responses and errors over all rounds (should be 0). */
  failures: number
}

/** Large bodies per second: the same 32 MB/s whatever their size. */
const LARGE_BYTES_PER_SECOND = 32 * 1024 * 1024

/** Posts `body` at a fixed rate until `until` (at most 4 in flight); resolves [done, failed]. */
async function sendLarge(url: string, body: Buffer, until: number, agent: Agent): Promise<[number, number]> {
  let done = 0
  let failures = 0
  let inFlight = 0
  const post = async () => {
    inFlight++
    try {
      const res = await request(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        dispatcher: agent,
      })
      await res.body.dump()
      if (res.statusCode === 200) done++
      else failures++
    } catch {
      failures++
    } finally {
      inFlight--
    }
  }
  const every = (1000 * body.length) / LARGE_BYTES_PER_SECOND
  const posts: Promise<void>[] = []
  for (let next = Date.now(); next < until; next += every) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())))
    if (inFlight < 4) posts.push(post())
  }
  await Promise.all(posts)
  return [done, failures]
}

async function run(proxy: ProxyProcess, size: number, small: Buffer) {
  const agent = new Agent({ connections: 4 })
  await proxy.begin()
  const until = Date.now() + SECONDS * 1000
  const large =
    size === 0
      ? Promise.resolve<[number, number]>([0, 0])
      : sendLarge(proxy.url, largeBody(size), until, agent)
  const result = await autocannon({
    url: `${proxy.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: small,
    connections: 8,
    duration: SECONDS,
  })
  const [largeDone, largeFailures] = await large
  const report = await proxy.end()
  await agent.close()
  return {
    loop: report.loopDelay!,
    loopBusy: report.loopBusy,
    smallP50: result.latency.p50,
    smallP99: result.latency.p99,
    smallReqPerSec: result.requests.average,
    largeDone,
    failures: largeFailures + result.non2xx + result.errors + result.timeouts,
  }
}

export async function benchOffloadUnderLoad(): Promise<LoadRow[]> {
  const sink = await startSink()
  const inline = await startProxy('velox-http', sink.url)
  const offload = await startProxy('velox-http', sink.url, [String(OFFLOAD_FROM)])
  try {
    const small = Buffer.from(
      JSON.stringify({ ...JSON.parse(chatBody(4 * 1024, 8).toString()), stream: false }),
    )
    // Warm-up: JIT, connections, and the offload worker (started by its first large body).
    for (const proxy of [inline, offload]) {
      const agent = new Agent({ connections: 4 })
      await sendLarge(proxy.url, largeBody(1024 * 1024), Date.now() + 500, agent)
      await agent.close()
    }
    const rows: LoadRow[] = []
    for (const size of LOAD_SIZES) {
      type Sample = Awaited<ReturnType<typeof run>>
      const samples: Record<'inline' | 'offload', Sample[]> = { inline: [], offload: [] }
      // Without large bodies both gateways do the same work: one of them is enough.
      const modes = size === 0 ? (['inline'] as const) : (['inline', 'offload'] as const)
      for (let round = 0; round < ROUNDS; round++) {
        for (const mode of round % 2 ? [...modes].reverse() : modes) {
          const r = await run(mode === 'inline' ? inline : offload, size, small)
          samples[mode].push(r)
          console.log(
            `offload load | ${sizeLabel(size)} | ${mode}: loop p99 ${r.loop.p99.toFixed(1)} ms, max ${r.loop.max.toFixed(1)} ms, busy ${(r.loopBusy * 100).toFixed(0)}%, small p99 ${r.smallP99} ms`,
          )
        }
      }
      for (const mode of modes) {
        const s = samples[mode]
        rows.push({
          size,
          mode,
          loopP50: median(s.map((r) => r.loop.p50)),
          loopP99: median(s.map((r) => r.loop.p99)),
          loopMax: median(s.map((r) => r.loop.max)),
          loopBusy: median(s.map((r) => r.loopBusy)),
          smallP50: median(s.map((r) => r.smallP50)),
          smallP99: median(s.map((r) => r.smallP99)),
          smallReqPerSec: median(s.map((r) => r.smallReqPerSec)),
          largeDone: median(s.map((r) => r.largeDone)),
          failures: s.reduce((n, r) => n + r.failures, 0),
        })
      }
    }
    return rows
  } finally {
    await inline.stop()
    await offload.stop()
    await sink.stop()
  }
}

export const OFFLOAD_SETUP = `${ROUNDS} rounds of ${SECONDS} s per size and mode (medians), small requests from 8 connections, large bodies at 32 MB/s`

// `pnpm tsx bench/node/offload.ts [cost|load]`: one part alone (bench/run.ts runs both).
if (import.meta.url === `file://${process.argv[1]}`) {
  const part = process.argv[2]
  if (part !== 'load') await benchOffloadCost()
  if (part !== 'cost') await benchOffloadUnderLoad()
}

/**
 * Does scanning large bodies on a worker thread (the offload) pay, and from which size?
 *
 * 1. Main-thread cost, in this process: the time one large body holds the main thread when
 *    scanned inline, against what an offloaded scan still costs the main thread (hand-off, result,
 *    decoding model and user: measured with the event loop utilization) and how long it takes to
 *    come back. Medians of repeated scans; little affected by other work on the machine.
 * 2. Under load, through the real gateway (node:http + gateway.handle in its own process, in front
 *    of a sink upstream that answers without parsing: node/sink-upstream.ts says why): small 4 KB
 *    chat requests under autocannon while a second client posts large bodies (1, 4 or 16 MB of chat
 *    text) at a fixed 32 MB per second (32, 8 or 2 a second: the same scanning work, in longer or
 *    shorter pieces); once scanned inline, once offloaded. Reported: the gateway's event-loop delay
 *    (perf_hooks.monitorEventLoopDelay, 1 ms resolution: p50, p99, max), how busy its main thread
 *    was, and the small requests' latency and rate. On a shared machine the delay includes time
 *    the OS gave to other processes, in both modes alike.
 */
import { performance } from 'node:perf_hooks'
import { createGateway } from '@velox/core'
import { gatewayCore, type OffloadScanner } from '@velox/core/internal'
import autocannon from 'autocannon'
import { Agent, request } from 'undici'
import { chatBody, sizeLabel } from '../lib/bodies.js'
import { type ProxyProcess, startProxy, startSink } from '../lib/processes.js'
import { median } from '../lib/suite.js'

export const COST_SIZES = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024]
export const LOAD_SIZES = [0, 1, 4, 16].map((mb) => mb * 1024 * 1024)
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

/** `body` copied into shared memory, as the pool hands large bodies to the offload. */
function shared(body: Buffer): Buffer {
  const copy = Buffer.from(new SharedArrayBuffer(body.length))
  body.copy(copy)
  return copy
}

function scanOnWorker(offload: OffloadScanner, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => offload.scan(body, (err) => (err ? reject(err) : resolve())))
}

export async function benchOffloadCost(): Promise<CostRow[]> {
  const gateway = createGateway({
    offload: { thresholdBytes: 4096 },
    upstream: { origin: 'http://127.0.0.1:9' },
  })
  const offload = gatewayCore(gateway).offload!
  const { extractFields } = await import('@velox/core/internal')
  const rows: CostRow[] = []
  try {
    for (const size of COST_SIZES) {
      const body = shared(largeBody(size))
      const runs = Math.max(10, Math.min(200, Math.round((64 * 1024 * 1024) / size)))
      const inline: number[] = []
      const main: number[] = []
      const latency: number[] = []
      for (let i = 0; i < 3; i++) await scanOnWorker(offload, body) // warm-up, and the worker is up
      for (let i = 0; i < runs; i++) {
        let t = performance.now()
        extractFields(body)
        inline.push(performance.now() - t)
        const before = performance.eventLoopUtilization()
        t = performance.now()
        await scanOnWorker(offload, body)
        latency.push(performance.now() - t)
        main.push(performance.eventLoopUtilization(before).active)
      }
      const row = {
        size,
        inlineMs: median(inline),
        offloadMainMs: median(main),
        offloadLatencyMs: median(latency),
      }
      console.log(
        `offload cost | ${sizeLabel(size)}: inline ${row.inlineMs.toFixed(3)} ms, offloaded ${row.offloadMainMs.toFixed(3)} ms on the main thread, ${row.offloadLatencyMs.toFixed(3)} ms until the result`,
      )
      rows.push(row)
    }
  } finally {
    await gateway.close()
  }
  return rows
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

/**
 * The end-to-end load benchmark: the same chat requests through several proxies in front of the
 * mock upstream, each in its own process, driven by autocannon on 127.0.0.1 for a bounded time:
 * - a bare node:http + undici pass-through (the baseline: what one writes by hand),
 * - the dispatch floor (dispatch-floor.ts: node:http + undici dispatch writing into the response,
 *   the least work any Node proxy can do; Velox's own cost is measured against it),
 * - Velox in Express (@velox/express) and Express + http-proxy-middleware,
 * - Velox in Fastify (@velox/fastify) and Fastify + @fastify/http-proxy,
 * - Velox in Koa (@velox/koa) and Koa + koa-proxies (keep-alive agent),
 * - and Velox on bare node:http, to tell the gateway's own cost from a framework's.
 * Users choosing a framework compare Velox with that framework's own do-it-yourself proxy, so each
 * Velox-in-a-framework row is also given as a ratio against its peer, measured in the same rounds.
 * JSON (a 4 KB chat request) and SSE (stream: true, 20 events). Reported: requests per second and
 * the proxy process's CPU time per request, each as the median of ROUNDS interleaved runs and as a
 * ratio against the bare pass-through measured in the same run.
 */
import autocannon from 'autocannon'
import { chatBody } from '../lib/bodies.js'
import { type ProxyProcess, startMock, startProxy } from '../lib/processes.js'
import { median } from '../lib/suite.js'

/** [kind for proxy-server.ts, label, the kind of the framework's own proxy it is compared with]. */
export const PROXIES = [
  ['bare', 'node:http + undici pass-through (baseline)', undefined],
  ['dispatch-floor', 'dispatch floor: node:http + undici dispatch into res', undefined],
  ['velox-express', 'Velox in Express', 'express-hpm'],
  ['express-hpm', 'Express + http-proxy-middleware 4.2.1', undefined],
  ['velox-fastify', 'Velox in Fastify', 'fastify-proxy'],
  ['fastify-proxy', 'Fastify + @fastify/http-proxy 11.6.3', undefined],
  ['velox-koa', 'Velox in Koa', 'koa-proxies'],
  ['koa-proxies', 'Koa + koa-proxies 0.12.4 (keep-alive agent)', undefined],
  ['velox-http', 'Velox on bare node:http (no framework)', undefined],
] as const

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = 32

export interface LoadRow {
  proxy: string
  reqPerSec: number
  cpuMicrosPerReq: number
  /** Ratios against the baseline (first row). */
  reqPerSecRatio: number
  cpuRatio: number
  /** For Velox in a framework: ratios against that framework's own proxy (same rounds). */
  vsPeer: { peer: string; reqPerSecRatio: number; cpuRatio: number } | undefined
  /** Responses that were not 2xx, and transport errors, over all rounds (should be 0). */
  failures: number
}

export interface LoadTable {
  title: string
  rows: LoadRow[]
}

function load(url: string, body: Buffer, headers: Record<string, string>, seconds: number) {
  return autocannon({
    url: `${url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: CONNECTIONS,
    duration: seconds,
  })
}

async function measure(
  proxy: ProxyProcess,
  body: Buffer,
  headers: Record<string, string>,
): Promise<{ rps: number; cpu: number; failures: number }> {
  await proxy.begin()
  const result = await load(proxy.url, body, headers, SECONDS)
  const report = await proxy.end()
  const done = Math.max(1, result.requests.total)
  return {
    rps: result.requests.average,
    cpu: report.cpuMicros / done,
    failures: result.non2xx + result.errors + result.timeouts,
  }
}

/** A proxy to compare: [kind for proxy-server.ts, label, the kind of its peer (or undefined)]. */
export type ProxySpec = readonly [string, string, string | undefined]
/** A load mode: [title, request body, request headers]. */
export type LoadMode = [string, Buffer, Record<string, string>]

/** The two modes every load table runs: a 4 KB chat request answered in JSON, and streamed. */
export function chatModes(): LoadMode[] {
  const json = JSON.parse(chatBody(4 * 1024, 8).toString())
  return [
    ['JSON, 4 KB chat request', Buffer.from(JSON.stringify({ ...json, stream: false })), {}],
    ['SSE, 4 KB chat request, 20 events', Buffer.from(JSON.stringify(json)), { 'x-mock-chunks': '20' }],
  ]
}

export function benchProxyLoad(): Promise<LoadTable[]> {
  return compareProxies(PROXIES, chatModes())
}

/**
 * Each proxy in its own process in front of one mock upstream, every mode, ROUNDS interleaved
 * rounds (the order rotates each round); medians, and ratios against the first proxy and each
 * row's peer, all from the same rounds.
 */
export async function compareProxies(specs: readonly ProxySpec[], modes: LoadMode[]): Promise<LoadTable[]> {
  const PROXIES = specs
  const mock = await startMock()
  const proxies: ProxyProcess[] = []
  try {
    for (const [kind] of PROXIES) proxies.push(await startProxy(kind, mock.url))
    const tables: LoadTable[] = []
    for (const [title, body, headers] of modes) {
      for (const proxy of proxies) await load(proxy.url, body, headers, 1) // warm-up (JIT, connections)
      const runs = proxies.map(() => ({ rps: [] as number[], cpu: [] as number[], failures: 0 }))
      for (let round = 0; round < ROUNDS; round++) {
        // Rotate the order each round, so no proxy always runs first (or last) on a busy machine.
        for (let k = 0; k < proxies.length; k++) {
          const i = (k + round) % proxies.length
          const m = await measure(proxies[i]!, body, headers)
          runs[i]!.rps.push(m.rps)
          runs[i]!.cpu.push(m.cpu)
          runs[i]!.failures += m.failures
          console.log(
            `load | ${title} | ${PROXIES[i]![1]}: ${Math.round(m.rps)} req/s, ${m.cpu.toFixed(0)} us CPU/req`,
          )
        }
      }
      const medians = runs.map((r) => ({ rps: median(r.rps), cpu: median(r.cpu), failures: r.failures }))
      const peerOf = (i: number) => {
        const peerKind = PROXIES[i]![2]
        if (peerKind === undefined) return undefined
        const p = PROXIES.findIndex(([kind]) => kind === peerKind)
        const peer = medians[p]!
        return {
          peer: PROXIES[p]![1],
          reqPerSecRatio: medians[i]!.rps / peer.rps,
          cpuRatio: medians[i]!.cpu / peer.cpu,
        }
      }
      tables.push({
        title,
        rows: medians.map((m, i) => ({
          proxy: PROXIES[i]![1],
          reqPerSec: m.rps,
          cpuMicrosPerReq: m.cpu,
          reqPerSecRatio: m.rps / medians[0]!.rps,
          cpuRatio: m.cpu / medians[0]!.cpu,
          vsPeer: peerOf(i),
          failures: m.failures,
        })),
      })
    }
    return tables
  } finally {
    for (const proxy of proxies) await proxy.stop()
    await mock.stop()
  }
}

export const LOAD_SETUP = `${ROUNDS} rounds of ${SECONDS} s per proxy and mode, ${CONNECTIONS} connections, after a 1 s warm-up`

/**
 * The first end-to-end load benchmark: the same chat requests through three proxies in front of
 * the mock upstream, each in its own process, driven by autocannon on 127.0.0.1 for a bounded time:
 * - a bare node:http + undici pass-through (the baseline: what one writes by hand),
 * - Velox in Express (@velox/express),
 * - Express + http-proxy-middleware,
 * - and Velox on bare node:http, to tell the gateway's own cost from Express's.
 * JSON (a 4 KB chat request) and SSE (stream: true, 20 events). Reported: requests per second and
 * the proxy process's CPU time per request, each as the median of ROUNDS interleaved runs and as a
 * ratio against the bare pass-through measured in the same run.
 */
import autocannon from 'autocannon'
import { chatBody } from '../lib/bodies.js'
import { type ProxyProcess, startMock, startProxy } from '../lib/processes.js'
import { median } from '../lib/suite.js'

export const PROXIES = [
  ['bare', 'node:http + undici pass-through (baseline)'],
  ['velox-express', 'Velox in Express'],
  ['express-hpm', 'Express + http-proxy-middleware 4.2.1'],
  ['velox-http', 'Velox on bare node:http (no Express)'],
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

export async function benchProxyLoad(): Promise<LoadTable[]> {
  const mock = await startMock()
  const proxies: ProxyProcess[] = []
  try {
    for (const [kind] of PROXIES) proxies.push(await startProxy(kind, mock.url))
    const json = JSON.parse(chatBody(4 * 1024, 8).toString())
    const modes: Array<[string, Buffer, Record<string, string>]> = [
      ['JSON, 4 KB chat request', Buffer.from(JSON.stringify({ ...json, stream: false })), {}],
      ['SSE, 4 KB chat request, 20 events', Buffer.from(JSON.stringify(json)), { 'x-mock-chunks': '20' }],
    ]
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
      tables.push({
        title,
        rows: medians.map((m, i) => ({
          proxy: PROXIES[i]![1],
          reqPerSec: m.rps,
          cpuMicrosPerReq: m.cpu,
          reqPerSecRatio: m.rps / medians[0]!.rps,
          cpuRatio: m.cpu / medians[0]!.cpu,
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

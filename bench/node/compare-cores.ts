/**
 * Two versions of the core side by side, in the same run: CPU per request of Velox on bare
 * node:http (the proxy-load.ts `velox-http` row) for each, interleaved rounds against the same
 * mock upstream, JSON and SSE; then objects and bytes allocated per request by each core's own code
 * (alloc-per-request.ts). For a change to the request path, run it with the code before the change
 * extracted somewhere under packages/core/node_modules (so it resolves the core's dependencies):
 *
 *   git archive <commit> packages/core/src | tar -x -C packages/core/node_modules/.cache/before --strip-components=2
 *   node --import tsx bench/node/compare-cores.ts packages/core/node_modules/.cache/before/src/index.ts
 *
 * The second core defaults to this tree's packages/core/src/index.ts. Prints one line per
 * measurement and a closing summary (medians).
 */
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import { chatBody } from '../lib/bodies.js'
import { type ProxyProcess, startMock, startProxy } from '../lib/processes.js'
import { median } from '../lib/suite.js'

const here = fileURLToPath(new URL('.', import.meta.url))
const cores = [
  resolve(process.argv[2] ?? ''),
  resolve(process.argv[3] ?? fileURLToPath(new URL('../../packages/core/src/index.ts', import.meta.url))),
]
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const CONNECTIONS = 32

async function cpuPerRequest(proxy: ProxyProcess, body: Buffer, headers: Record<string, string>) {
  await proxy.begin()
  const result = await autocannon({
    url: `${proxy.url}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections: CONNECTIONS,
    duration: SECONDS,
  })
  const report = await proxy.end()
  const failures = result.non2xx + result.errors + result.timeouts
  if (failures > 0) throw new Error(`${failures} failed requests`)
  return { cpu: report.cpuMicros / Math.max(1, result.requests.total), rps: result.requests.average }
}

const mock = await startMock()
const proxies: ProxyProcess[] = []
const summary: string[] = []
try {
  for (const core of cores) proxies.push(await startProxy('velox-http', mock.url, [], { VELOX_CORE: core }))
  const json = JSON.parse(chatBody(4 * 1024, 8).toString())
  const modes: Array<[string, Buffer, Record<string, string>]> = [
    ['JSON, 4 KB chat request', Buffer.from(JSON.stringify({ ...json, stream: false })), {}],
    ['SSE, 4 KB chat request, 20 events', Buffer.from(JSON.stringify(json)), { 'x-mock-chunks': '20' }],
  ]
  for (const [title, body, headers] of modes) {
    for (const proxy of proxies) await cpuPerRequest(proxy, body, headers) // warm-up
    const cpu: number[][] = cores.map(() => [])
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < proxies.length; k++) {
        const i = (k + round) % proxies.length // alternate which core goes first
        const m = await cpuPerRequest(proxies[i]!, body, headers)
        cpu[i]!.push(m.cpu)
        console.log(
          `cpu | ${title} | core ${i + 1}: ${Math.round(m.rps)} req/s, ${m.cpu.toFixed(1)} us CPU/req`,
        )
      }
    }
    const [a, b] = cpu.map((runs) => median(runs))
    summary.push(
      `${title}: core 1 ${a!.toFixed(1)} us/req, core 2 ${b!.toFixed(1)} us/req (${(b! / a!).toFixed(3)}x), medians of ${ROUNDS}; runs ${cpu.map((r) => r.map((x) => x.toFixed(0)).join('/')).join(' vs ')}`,
    )
  }
} finally {
  for (const proxy of proxies) await proxy.stop()
  await mock.stop()
}
for (const [i, core] of cores.entries()) {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', `${here}alloc-per-request.ts`, core, '2000'],
    {
      encoding: 'utf8',
      timeout: 300_000,
    },
  )
  const a = JSON.parse(out.trim().split('\n').at(-1)!)
  summary.push(
    `alloc | core ${i + 1}: ${a.objectsPerRequest.toFixed(1)} objects and ${Math.round(a.bytesPerRequest)} bytes per request by the core's own code; ${a.allObjectsPerRequest.toFixed(1)} objects, ${Math.round(a.allBytesPerRequest)} bytes in the whole process`,
  )
}
console.log(`core 1: ${cores[0]}\ncore 2: ${cores[1]}`)
for (const line of summary) console.log(line)

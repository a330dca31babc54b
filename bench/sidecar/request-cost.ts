/**
 * The main thread's cost per proxied request with observability off, with usage events on (an
 * exchange record is built per request), and with metrics on (the record goes into the telemetry
 * ring too). The mock upstream and the load generator run on threads of their own, so the main
 * thread's CPU time (Linux: /proc/self/task/<pid>/stat, the main thread alone, in clock ticks) is
 * the gateway's work alone; its event-loop active time also counts any wait for a core on a busy
 * machine. Variants alternate over several rounds; medians are reported. Uses the built package.
 *
 *   pnpm build && pnpm --filter @velox/bench exec tsx sidecar/request-cost.ts [requests per round] [rounds]
 */
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { createGateway, type VeloxOptions } from '@velox/core'

const REQUESTS = Number(process.argv[2] ?? 5000)
const ROUNDS = Number(process.argv[3] ?? 5)
const TICK_US = 10_000 // USER_HZ is 100 on Linux

/** CPU time of the main thread (its task id is the process id), in microseconds. */
function mainThreadCpuUs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * TICK_US // utime + stime
}
const CONCURRENCY = 16

const MOCK = `
import('@velox/mock-upstream').then(async ({ createMockUpstream }) => {
  const mock = await createMockUpstream()
  require('node:worker_threads').parentPort.postMessage(mock.url)
})
`
const CLIENT = `
const { parentPort } = require('node:worker_threads')
const { Pool } = require('undici')
const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'How much does this cost?' }] })
parentPort.on('message', async ({ url, n, concurrency }) => {
  const pool = new Pool(url, { connections: concurrency })
  let left = n
  const one = async () => {
    while (left-- > 0) {
      const res = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body })
      await res.body.dump()
    }
  }
  await Promise.all(Array.from({ length: concurrency }, one))
  await pool.close()
  parentPort.postMessage('done')
})
`

function thread(code: string): Worker {
  return new Worker(code, { eval: true })
}

const mockThread = thread(MOCK)
const origin = await new Promise<string>((resolve) => mockThread.once('message', resolve))
const client = thread(CLIENT)

const variants: Record<string, Omit<VeloxOptions, 'upstream'>> = {
  'observability off': {},
  'usage events (onUsage)': { onUsage: () => {} },
  'metrics (sidecar)': { sidecar: { port: 0, profiling: false } },
}

interface Cost {
  mainCpuUs: number
  mainActiveUs: number
  processUs: number
}

async function round(options: Omit<VeloxOptions, 'upstream'>): Promise<Cost> {
  const gateway = createGateway({ upstream: { origin }, ...options })
  await gateway.ready()
  const server: Server = createServer((req, res) => gateway.handle(req, res)).listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const elu = performance.eventLoopUtilization()
  const cpu = process.cpuUsage()
  const mainCpu = mainThreadCpuUs()
  client.postMessage({ url, n: REQUESTS, concurrency: CONCURRENCY })
  await new Promise((r) => client.once('message', r))
  const mainCpuUs = mainThreadCpuUs() - mainCpu
  const active = performance.eventLoopUtilization(elu).active // ms
  const used = process.cpuUsage(cpu)
  server.closeAllConnections()
  server.close()
  await gateway.close()
  return {
    mainCpuUs: mainCpuUs / REQUESTS,
    mainActiveUs: (active * 1000) / REQUESTS,
    processUs: (used.user + used.system) / REQUESTS,
  }
}

const results = new Map<string, Cost[]>()
await round({}) // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, options] of Object.entries(variants)) {
    const list = results.get(name) ?? []
    list.push(await round(options))
    results.set(name, list)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log(`${REQUESTS} requests x ${ROUNDS} rounds per variant, ${CONCURRENCY} at a time; medians`)
console.log(
  '| variant | main thread CPU (us/request) | main thread active (us/request) | process CPU (us/request) |',
)
console.log('|---|---:|---:|---:|')
for (const [name, list] of results) {
  const column = (pick: (c: Cost) => number) => median(list.map(pick)).toFixed(1)
  console.log(
    `| ${name} | ${column((c) => c.mainCpuUs)} | ${column((c) => c.mainActiveUs)} | ${column((c) => c.processUs)} |`,
  )
}
await client.terminate()
await mockThread.terminate()

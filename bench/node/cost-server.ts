/**
 * One gateway under load for bench/node/cost-features.ts, in its own process:
 *   cost-server.ts <mode> <upstream origin>
 * modes: `off` (no pricing, budget, cache or usage splice), `on` (pricing, a budget that never runs
 * out, the include_usage splice, and a cache that always misses: every request is hashed, looked
 * up, recorded and stored), `hit` (the cache on, the same body every time: every request after the
 * first is replayed), `floor` (no gateway: node:http reads the body and answers a fixed reply, the
 * least any answer costs in Node, for scale). The parent sends 'begin' and 'end' over IPC; 'end' answers with the CPU time
 * used in between, as bench/node/proxy-server.ts does.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGateway, type VeloxOptions } from '@velox/core'

const [mode, upstream] = process.argv.slice(2) as [string, string]
let request = 0
const pricing = { 'gpt-4o*': { input: 2.5, cachedInput: 1.25, output: 10 } }
const modes: Record<string, VeloxOptions> = {
  off: {},
  on: {
    pricing,
    usage: { ensure: true },
    budget: { amount: 1_000_000, period: 'day' },
    // A new scope per request: every lookup misses, and every answer is recorded and stored.
    cache: { ttlMs: 60_000, maxBytes: 16 * 1024 * 1024, scope: () => String(request++) },
  },
  hit: { cache: { ttlMs: 600_000 } },
  floor: {},
}
const options = modes[mode]
if (options === undefined) throw new Error(`unknown mode ${mode}`)
const gateway = createGateway({ upstream: { origin: upstream, connections: 32 }, offload: false, ...options })
const FIXED = Buffer.from(JSON.stringify({ id: 'fixed', object: 'chat.completion', choices: [] }))
const server = createServer((req, res) => {
  if (mode !== 'floor') return gateway.handle(req, res)
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': FIXED.length })
    res.end(FIXED)
  })
})
let cpu = process.cpuUsage()

process.on('message', (command: string) => {
  if (command === 'begin') {
    cpu = process.cpuUsage()
    process.send!(null)
  } else if (command === 'end') {
    const used = process.cpuUsage(cpu)
    process.send!({ cpuMicros: used.user + used.system, stats: gateway.stats().cache ?? null })
  }
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close()
  void gateway.close()
  process.exit(0)
})
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }))

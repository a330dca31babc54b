/**
 * How fast the sidecar answers while the main thread is blocked (the Rust Velox gateway's pprof row), against
 * a server on the main thread. A client on its own thread scrapes /metrics in a loop while the
 * main thread spins for BLOCK_MS; it reports each answer's latency. Uses the built package.
 *
 *   pnpm build && pnpm --filter @velox/bench exec tsx sidecar/blocked-answer.ts
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Worker } from 'node:worker_threads'
import { createGateway } from '@velox/core'

const BLOCK_MS = 2000

/** The client thread: waits for the flag, then GETs `url` back to back until the flag clears. */
const CLIENT = `
const { workerData, parentPort } = require('node:worker_threads')
const http = require('node:http')
const { url, flag } = workerData
const agent = new http.Agent({ keepAlive: true })
const get = () => new Promise((resolve, reject) => {
  const t = performance.now()
  http.get(url, { agent }, (res) => { res.resume(); res.on('end', () => resolve(performance.now() - t)) }).on('error', reject)
})
;(async () => {
  await get() // warm the connection
  while (Atomics.load(flag, 0) === 0) await new Promise((r) => setTimeout(r, 1))
  const times = []
  while (Atomics.load(flag, 0) === 1) times.push(await get())
  parentPort.postMessage(times)
})()
`

function spin(ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end);
}

async function measure(url: string): Promise<number[]> {
  const flag = new Int32Array(new SharedArrayBuffer(4))
  const client = new Worker(CLIENT, { eval: true, workerData: { url, flag } })
  const times = new Promise<number[]>((resolve) => client.once('message', resolve))
  await new Promise((r) => setTimeout(r, 300)) // the client connects
  Atomics.store(flag, 0, 1)
  spin(BLOCK_MS)
  Atomics.store(flag, 0, 2)
  const result = await times
  await client.terminate()
  return result
}

function summary(name: string, times: number[]): string {
  const sorted = [...times].sort((a, b) => a - b)
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(2)
  return `${name}: ${times.length} answers during a ${BLOCK_MS} ms block; median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`
}

const gateway = createGateway({ upstream: { origin: 'http://127.0.0.1:9' }, sidecar: { port: 0 } })
const sidecarUrl = `${await gateway.ready().then(() => gateway.sidecar!.url)}/metrics`
console.log(summary('sidecar /metrics (worker thread)', await measure(sidecarUrl)))
const profileUrl = sidecarUrl.replace('/metrics', '/debug/pprof/profile?seconds=0.5')
console.log(summary('sidecar 0.5 s CPU profile, pprof', await measure(profileUrl)))

const mainServer = createServer((_, res) => res.end('ok')).listen(0, '127.0.0.1')
await new Promise((r) => mainServer.once('listening', r))
const mainUrl = `http://127.0.0.1:${(mainServer.address() as AddressInfo).port}/`
console.log(summary('server on the main thread', await measure(mainUrl)))

mainServer.close()
await gateway.close()

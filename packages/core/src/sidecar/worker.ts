/**
 * The sidecar worker thread (a lazy entry, started by sidecar/main.ts). It serves pprof profiles
 * of the main thread and Prometheus metrics on its own event loop, so both answer while the main
 * thread is busy: the Rust Velox gateway's "pprof on its own OS thread, :6060", in Node.
 */
import type { AddressInfo } from 'node:net'
import { parentPort, workerData } from 'node:worker_threads'
import { RingQueue } from '../queue/ring-queue.js'
import { createSidecarServer, type LogFn, type RouteHandler, send } from './http-server.js'
import { SidecarMetrics } from './metrics.js'
import { profileRoutes } from './profile-routes.js'
import { TelemetryReader } from './telemetry-reader.js'
import type { SidecarWorkerData, WorkerMessage } from './worker-protocol.js'

const data = workerData as SidecarWorkerData
const port = parentPort!
const post = (message: WorkerMessage) => port.postMessage(message)
const log: LogFn = (level, obj, msg) => post({ type: 'log', level, obj, msg })

const routes: Record<string, RouteHandler> = {}
if (data.metrics && data.ring !== null && data.labels !== null) {
  const ring = RingQueue.attach(data.ring)
  const metrics = new SidecarMetrics(() => ring.dropped())
  const reader = new TelemetryReader(ring, data.labels, metrics)
  routes['/metrics'] = async (_url, res) => {
    reader.drain() // whatever the main thread published before this scrape is in it
    send(res, 200, await metrics.registry.metrics(), { 'content-type': metrics.registry.contentType })
  }
  reader.start()
}
if (data.profiling) Object.assign(routes, profileRoutes(log))

const server = createSidecarServer({ token: data.token, routes, log })
let listening = false
server.on('error', (err: NodeJS.ErrnoException) => {
  if (!listening)
    post({ type: 'failed', message: `sidecar could not listen: ${err.message}`, code: err.code })
  else log('error', { err: err.message }, 'velox: sidecar server error')
})
server.listen(data.port, data.host, () => {
  listening = true
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  const url = `http://${host}:${port}`
  post({ type: 'listening', url })
  log('info', { url, profiling: data.profiling, metrics: data.metrics }, 'velox: sidecar listening')
})

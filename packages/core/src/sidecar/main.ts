/**
 * The sidecar, main-thread side (a lazy entry: loaded only for a gateway with the `sidecar`
 * option). It starts the worker that serves pprof and /metrics (worker.ts) and, when metrics are on,
 * the telemetry hand-off: a RingQueue of fixed records, a label interner whose new strings go to the
 * worker over a MessagePort, the writer the gateway's request path calls, and the sampler of the
 * main thread's event loop, heap and pools.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads'
import type { Logger } from '../options.js'
import { DROPPED } from '../queue/layout.js'
import { RingQueue } from '../queue/ring-queue.js'
import { LabelInterner } from '../telemetry/label-interner.js'
import { MainThreadSampler, type SampledStats } from '../telemetry/main-thread-sampler.js'
import { TELEMETRY_RECORD_INT32S, TELEMETRY_RING_RECORDS } from '../telemetry/record-layout.js'
import type { PendingTelemetry, TelemetrySink } from '../telemetry/telemetry-sink.js'
import { TelemetryWriter } from '../telemetry/telemetry-writer.js'
import type { ResolvedSidecar } from './options.js'
import type { LabelPair, SidecarWorkerData, WorkerMessage } from './worker-protocol.js'

/** What the sidecar needs of the gateway. */
export interface SidecarHost {
  telemetry: TelemetrySink | null
  readonly logger: Logger | undefined
  stats(): SampledStats
}

export interface RunningSidecar {
  readonly url: string
  close(): Promise<void>
}

export interface StartSidecar {
  host: SidecarHost
  options: ResolvedSidecar
  /** sidecar/worker next to this module, in this module's layout (lazy-entry.ts). */
  workerUrl: URL
  /** Telemetry kept while this module loaded, replayed into the ring. */
  pending: PendingTelemetry | null
}

/**
 * Starts the sidecar worker; resolves once it listens.
 *
 * @example
 * const running = await startSidecar({ host: gateway, options, workerUrl, pending: null })
 * running.url // 'http://127.0.0.1:6060'
 * await running.close()
 */
export async function startSidecar({
  host,
  options,
  workerUrl,
  pending,
}: StartSidecar): Promise<RunningSidecar> {
  let ring: RingQueue | null = null
  let labelPort: MessagePort | null = null
  let writer: TelemetryWriter | null = null
  let workerLabels: MessagePort | null = null
  if (options.metrics) {
    ring = RingQueue.create(TELEMETRY_RING_RECORDS, TELEMETRY_RECORD_INT32S)
    const channel = new MessageChannel()
    labelPort = channel.port1
    workerLabels = channel.port2
    const port = labelPort
    writer = new TelemetryWriter(
      ring,
      new LabelInterner((id, value) => port.postMessage([id, value] satisfies LabelPair)),
    )
    if (pending !== null) {
      pending.replay(writer)
      Atomics.add(ring.header, DROPPED, pending.dropped)
    }
    host.telemetry = writer // the ring keeps records until the worker drains them
  }

  const data: SidecarWorkerData = {
    host: options.host,
    port: options.port,
    token: options.token,
    profiling: options.profiling,
    metrics: options.metrics,
    ring: ring?.buffer ?? null,
    labels: workerLabels,
  }
  const worker = spawnWorker(workerUrl, data, workerLabels === null ? [] : [workerLabels])
  let sampler: MainThreadSampler | null = null
  /** Once the worker is gone (closed or crashed), nothing reads the ring: stop writing to it. */
  const stopTelemetry = () => {
    sampler?.stop()
    if (writer !== null && host.telemetry === writer) host.telemetry = null
    ring?.close()
    labelPort?.close()
  }

  let url: string
  try {
    url = await listening(worker)
  } catch (err) {
    stopTelemetry()
    await worker.terminate()
    throw err
  }
  // The sidecar serves the app; it must never be what keeps the process alive.
  worker.unref()
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'log') log(host.logger, m)
  })
  worker.on('error', (err) => host.logger?.error({ err }, 'velox: the sidecar worker failed'))
  worker.on('exit', stopTelemetry)

  if (writer !== null) sampler = new MainThreadSampler(writer, options.sampleIntervalMs, () => host.stats())

  return {
    url,
    async close() {
      stopTelemetry()
      await worker.terminate()
    },
  }
}

function spawnWorker(url: URL, workerData: SidecarWorkerData, transferList: MessagePort[]): Worker {
  const options = { workerData, transferList, name: 'velox-sidecar' }
  if (!url.pathname.endsWith('.ts')) return new Worker(url, options)
  // Running from sources (vitest, tsx): the worker is TypeScript, so it registers tsx's loader
  // before importing it. The built package never takes this path.
  const tsxPackage = createRequire(import.meta.url).resolve('tsx/package.json')
  const tsxApi = pathToFileURL(join(dirname(tsxPackage), 'dist/esm/api/index.mjs')).href
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}) })`
  return new Worker(bootstrap, { ...options, eval: true })
}

function listening(worker: Worker): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: WorkerMessage) => {
      if (m.type === 'listening') done(null, m.url)
      else if (m.type === 'failed') done(Object.assign(new Error(m.message), { code: m.code }))
    }
    const onError = (err: Error) => done(err)
    const onExit = (code: number) => done(new Error(`the sidecar worker exited with code ${code}`))
    const done = (err: Error | null, url?: string) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit)
      if (err) reject(err)
      else resolve(url!)
    }
    worker.on('message', onMessage).on('error', onError).on('exit', onExit)
  })
}

function log(logger: Logger | undefined, m: Extract<WorkerMessage, { type: 'log' }>): void {
  if (logger) logger[m.level](m.obj, m.msg)
  else if (m.level === 'error') process.emitWarning(m.msg, { code: 'VELOX_WARN_SIDECAR' })
}

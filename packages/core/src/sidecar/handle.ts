/**
 * `gateway.sidecar`: the gateway's handle on the sidecar thread. It is all of the sidecar that the
 * main bundle holds; the rest (the worker, prom-client, pprof-format, the telemetry writer) is
 * loaded with `import()` when a gateway is created with the `sidecar` option, and never otherwise.
 */
import { importLazyEntry, lazyEntryUrl } from '../lazy-entry.js'
import type { Logger } from '../options.js'
import { PendingTelemetry } from '../telemetry/telemetry-sink.js'
import type { RunningSidecar, SidecarHost, startSidecar } from './main.js'
import type { ResolvedSidecar } from './options.js'

export class Sidecar {
  /** `http://host:port` once the sidecar listens (the bound port when `port: 0`); undefined before. */
  url: string | undefined = undefined
  readonly options: ResolvedSidecar
  readonly #started: Promise<RunningSidecar>
  #running: RunningSidecar | undefined = undefined
  #closed = false

  constructor(host: SidecarHost, options: ResolvedSidecar) {
    this.options = options
    // Until the module has loaded, keep the telemetry that arrives, so no request goes uncounted.
    const pending = options.metrics ? new PendingTelemetry() : null
    host.telemetry = pending
    const workerUrl = lazyEntryUrl('sidecar/worker')
    this.#started = importLazyEntry<{ startSidecar: typeof startSidecar }>('sidecar/main')
      .then(({ startSidecar }) => startSidecar({ host, options, workerUrl, pending }))
      .then(async (running) => {
        if (this.#closed) {
          await running.close()
          throw new Error('the gateway was closed while its sidecar was starting')
        }
        this.#running = running
        this.url = running.url
        return running
      })
    this.#started.catch((err: Error) => {
      if (host.telemetry === pending) host.telemetry = null
      if (this.#closed) return
      report(host.logger, err)
    })
  }

  /** Resolves with the URL once the sidecar listens; rejects if it could not start (e.g. port in use). */
  async ready(): Promise<string> {
    return (await this.#started).url
  }

  /** Stops the worker and releases the port. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#started.catch(() => undefined)
    await this.#running?.close()
  }
}

function report(logger: Logger | undefined, err: Error): void {
  const message = `velox: the sidecar did not start: ${err.message}`
  if (logger) logger.error({ err }, message)
  else process.emitWarning(message, { code: 'VELOX_WARN_SIDECAR' })
}

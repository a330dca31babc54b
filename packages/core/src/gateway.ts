/**
 * createGateway(): wires the options, the buffer pool and the upstream into one object that
 * adapters hand raw Node requests to. It holds no request logic of its own (see node/).
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Upstream, type UpstreamStats } from './egress/upstream.js'
import { BufferPool, type BufferPoolStats } from './ingress/buffer-pool.js'
import { createFieldParser, type FieldParser } from './json/field-parser.js'
import { Limiter, type LimitStats } from './limit/limiter.js'
import { type GatewayContext, newCounters, type RequestCounters } from './node/context.js'
import { handleRequest, type PreParsedBody } from './node/handle-request.js'
import { OffloadScanner, type OffloadStats } from './offload/offload-scanner.js'
import { type ResolvedOptions, resolveOptions, type VeloxOptions } from './options.js'
import { Router } from './route/router.js'
import type { ExchangeRecord } from './telemetry/exchange-record.js'
import { redactingLogger } from './telemetry/redact.js'
import { Sidecar } from './telemetry/sidecar-handle.js'
import type { TelemetrySink } from './telemetry/telemetry-sink.js'
import { type UsageEvent, usageEvent } from './telemetry/usage-event.js'

export interface GatewayStats {
  requests: Omit<RequestCounters, 'errors'>
  errors: RequestCounters['errors']
  buffers: BufferPoolStats
  /** Null when `offload` is off. */
  offload: OffloadStats | null
  /** One entry per upstream, the default first. */
  upstreams: UpstreamStats[]
  /** The rate limiter; undefined when `limit` is off. */
  limit: LimitStats | undefined
}

const GATEWAY = Symbol.for('velox.gateway')

export interface GatewayEvents {
  /** One finished request: status, timings, tokens. Emitted only while someone listens. */
  exchange: [record: ExchangeRecord]
  /** One finished request that reached an upstream, with its tokens (see UsageEvent). */
  usage: [event: UsageEvent]
}

export class Gateway extends EventEmitter<GatewayEvents> implements GatewayContext {
  readonly [GATEWAY] = true
  readonly options: ResolvedOptions
  readonly bufferPool: BufferPool
  readonly fieldParser: FieldParser
  readonly offload: OffloadScanner | null
  readonly upstreams: readonly Upstream[]
  readonly router: Router
  readonly counters = newCounters()
  readonly limiter: Limiter | undefined
  readonly logger: ResolvedOptions['logger']
  /** The sidecar thread (pprof, /metrics); undefined without the `sidecar` option. */
  readonly sidecar: Sidecar | undefined
  /** Where the request path sends metrics telemetry; null when metrics are off. Set by the sidecar. */
  telemetry: TelemetrySink | null = null
  closing = false
  readonly #warned = new Set<string>()
  readonly #prefix: string

  constructor(options: VeloxOptions = {}) {
    super()
    this.options = resolveOptions(options)
    // Every log line Velox writes goes through the redaction (no key, token or cookie in a log).
    const { logger, upstreams, sidecar } = this.options
    this.logger = logger && redactingLogger(logger, [...upstreams.map((u) => u.apiKey), sidecar?.token])
    this.#prefix = this.options.prefix
    const offload = this.options.offload
    this.fieldParser = createFieldParser(this.options.parser) // before the upstreams: may throw
    // Slabs from the offload threshold up are shared memory, so the worker reads bodies in place.
    this.bufferPool = new BufferPool(this.options.maxBodyBytes, { sharedFromBytes: offload?.thresholdBytes })
    this.offload = offload
      ? new OffloadScanner(this.bufferPool, offload.thresholdBytes, (code, message) =>
          this.warnOnce(code, message),
        )
      : null
    this.upstreams = this.options.upstreams.map((u) => new Upstream(u, this.options.timeouts))
    this.router = new Router(
      this.options.routes,
      new Map(this.upstreams.map((u) => [u.config.name, u])),
      this.upstreams[0]!,
    )
    this.#warming = this.#warmUpstreams(this.upstreams.filter((u) => u.config.warmup))
    this.limiter = this.options.limit && new Limiter(this.options.limit, this.logger)
    if (this.options.onUsage) this.on('usage', this.options.onUsage)
    this.sidecar = sidecar && new Sidecar(this, sidecar)
  }

  get recordsWanted(): boolean {
    return this.telemetry !== null || this.listenerCount('exchange') > 0 || this.listenerCount('usage') > 0
  }

  recordExchange(record: ExchangeRecord): void {
    // Metrics first and outside the emitter: a throwing listener must not cost the metrics a request.
    this.telemetry?.exchange(record)
    try {
      this.emit('exchange', record)
    } catch (err) {
      this.logger?.error({ err }, 'velox: an exchange listener threw')
    }
    if (this.listenerCount('usage') === 0) return
    const usage = usageEvent(record)
    if (usage === undefined) return
    try {
      this.emit('usage', usage)
    } catch (err) {
      this.logger?.error({ err }, 'velox: a usage listener threw')
    }
  }

  /** True when `url` (a request's `req.url`) is under the prefix and so belongs to Velox. */
  matches(url: string): boolean {
    const prefix = this.#prefix
    if (!url.startsWith(prefix)) return false
    const next = url.charCodeAt(prefix.length)
    return Number.isNaN(next) || next === 0x2f /* / */ || next === 0x3f /* ? */
  }

  /**
   * Answers one request. Adapters call this with the raw Node objects once `matches()` said yes.
   * Never throws; every failure becomes an OpenAI-style error response.
   */
  handle(req: IncomingMessage, res: ServerResponse, body?: PreParsedBody): void {
    handleRequest(this, req, res, body)
  }

  readonly #warming: Promise<void>

  /**
   * Resolves once the start-up warm-up (upstreams with `warmup`, by default the https ones) is
   * done and the sidecar (if any) has started. Failures are logged, never thrown: the first
   * requests then connect as usual; a sidecar that could not listen has no `url`.
   */
  async ready(): Promise<void> {
    // The sidecar's own failure is logged by it; `gateway.sidecar.ready()` rejects with it.
    await Promise.all([this.#warming, this.sidecar?.ready().catch(() => undefined)])
  }

  /** Opens connections to every upstream now (GET of each warm-up path), whatever their `warmup` option. */
  warmup(): Promise<void> {
    return this.#warmUpstreams(this.upstreams)
  }

  async #warmUpstreams(upstreams: readonly Upstream[]): Promise<void> {
    await Promise.all(
      upstreams.map((u) =>
        u.warmup().catch((err: Error) => {
          this.logger?.warn({ upstream: u.config.name, err: err.message }, 'velox: warm-up failed')
        }),
      ),
    )
  }

  /** A plain snapshot; cheap enough to poll. */
  stats(): GatewayStats {
    const { errors, ...requests } = this.counters
    return {
      requests,
      errors: { ...errors },
      buffers: this.bufferPool.stats(),
      offload: this.offload?.stats() ?? null,
      upstreams: this.upstreams.map((u) => u.stats()),
      limit: this.limiter?.stats(),
    }
  }

  warnOnce(code: string, message: string): void {
    if (this.#warned.has(code)) return
    this.#warned.add(code)
    if (this.logger) this.logger.warn({ code }, message)
    else process.emitWarning(message, { code })
  }

  /** Refuses new requests (503), lets those in flight finish, then closes the upstream pools, the sidecar and the offload worker. */
  async close(): Promise<void> {
    if (this.closing) return
    this.closing = true
    await Promise.all([
      ...this.upstreams.map((u) => u.close()),
      this.limiter?.close(),
      this.sidecar?.close(),
      this.offload?.close(),
    ])
  }
}

/**
 * Creates a gateway. Options are checked now; an invalid field throws a VeloxOptionsError naming it.
 *
 * @example
 * import { createGateway, fromEnv } from '@velox/core'
 * const gateway = createGateway({ ...fromEnv(), maxBodyBytes: 4 * 1024 * 1024 })
 * app.use(veloxMiddleware(gateway))
 */
export function createGateway(options?: VeloxOptions): Gateway {
  return new Gateway(options)
}

/** True for a Gateway, even one from another copy of @velox/core. */
export function isGateway(value: unknown): value is Gateway {
  return typeof value === 'object' && value !== null && (value as { [GATEWAY]?: boolean })[GATEWAY] === true
}

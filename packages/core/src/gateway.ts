/**
 * createGateway(): the public object adapters hand raw Node requests to. It holds no request logic
 * of its own: `handle` makes one exchange (exchange/exchange.ts) and runs it through the stages
 * (stages/); the shared state lives in a GatewayCore kept private, so renaming an internal is not
 * a breaking change. Its public surface is its methods, `options`, `sidecar` and `closing`.
 */
import { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Exchange } from './exchange/exchange.js'
import { GatewayCore, type GatewayStats } from './gateway-core.js'
import type { UpstreamEvent } from './health/health-types.js'
import { type ResolvedOptions, resolveOptions, type VeloxOptions } from './options.js'
import { Sidecar } from './sidecar/handle.js'
import { runStages } from './stages/run.js'
import type { ExchangeRecord } from './telemetry/exchange-record.js'
import type { UsageEvent } from './telemetry/usage-event.js'

export type { GatewayStats } from './gateway-core.js'

/** A body already consumed by a framework's parser: its raw bytes if kept, else the parsed value. */
export type PreParsedBody = Buffer | { parsed: unknown }

const GATEWAY = Symbol.for('velox.gateway')
/**
 * Where a gateway keeps its core, for gatewayCore(): a registered symbol, so that the separately
 * bundled `@velox/core/internal` finds the core of a gateway made by `@velox/core`. Not in the type.
 */
const CORE = Symbol.for('velox.core')

export interface GatewayEvents {
  /** One finished request: status, timings, tokens. Emitted only while someone listens. */
  exchange: [record: ExchangeRecord]
  /** One finished request that reached an upstream, with its tokens (see UsageEvent). */
  usage: [event: UsageEvent]
  /** An upstream was ejected, restored, or cooled down (docs/guide/resilience.md). */
  upstream: [event: UpstreamEvent]
}

export class Gateway extends EventEmitter<GatewayEvents> {
  readonly [GATEWAY] = true
  /** The options as resolved (defaults filled in, globs compiled). */
  readonly options: ResolvedOptions
  /** The sidecar thread (pprof, /metrics); undefined without the `sidecar` option. */
  readonly sidecar: Sidecar | undefined
  readonly #core: GatewayCore
  readonly #prefix: string
  readonly #warming: Promise<void>

  constructor(options: VeloxOptions = {}) {
    super()
    this.options = resolveOptions(options)
    this.#prefix = this.options.prefix
    const core = new GatewayCore(this.options, this)
    this.#core = core
    Object.defineProperty(this, CORE, { value: core })
    this.#warming = core.warm(core.upstreams.filter((u) => u.config.warmup))
    if (this.options.onUsage) this.on('usage', this.options.onUsage)
    this.sidecar = this.options.sidecar && new Sidecar(core, this.options.sidecar)
  }

  /** True once `close()` was called: new requests are answered 503. */
  get closing(): boolean {
    return this.#core.closing
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
   *
   * @param body a body a framework already parsed (see PreParsedBody); omit to read the stream.
   */
  handle(req: IncomingMessage, res: ServerResponse, body?: PreParsedBody): void {
    const core = this.#core
    const ex = new Exchange(core, req, res, body)
    // The app's active span (its HTTP server span, say) is the parent: capture it while we are
    // still in the adapter's call, before the body read moves the exchange to other callbacks.
    if (core.tracing !== null) ex.traceContext = core.tracing.activeContext()
    runStages(core, ex)
  }

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
    return this.#core.warm(this.#core.upstreams)
  }

  /** A plain snapshot; cheap enough to poll. */
  stats(): GatewayStats {
    return this.#core.stats()
  }

  /** Refuses new requests (503), lets those in flight finish, then closes the upstream pools, the sidecar and the offload worker. */
  async close(): Promise<void> {
    const core = this.#core
    if (core.closing) return
    core.closing = true
    await Promise.all([
      ...core.upstreams.map((u) => u.close()),
      core.limiter?.close(),
      core.budgets?.store.close(),
      core.cache?.close(),
      this.sidecar?.close(),
      core.offload?.close(),
      core.checker?.stop(),
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

/** The gateway's core: the state the request path shares (unstable; `@velox/core/internal`). */
export function gatewayCore(gateway: Gateway): GatewayCore {
  return (gateway as unknown as { [CORE]: GatewayCore })[CORE]
}

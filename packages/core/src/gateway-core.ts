/**
 * The state one gateway shares with every exchange it handles: resolved options, the buffer pool,
 * the field parser, the offload worker, the upstreams and router, the limiter, the counters, and
 * where records and telemetry go. It satisfies each stage's own narrow context (stages/run.ts
 * StageContext), the limiter's host and the sidecar's host, and is kept out of the public
 * `Gateway` class: `@velox/core/internal` reaches it (gatewayCore) for tests and benchmarks.
 */
import type { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import type { BudgetStoreStats } from './budget/budget-store.js'
import { Budgets } from './budget/budgets.js'
import { createBudgetBuffer, MemoryBudgetStore } from './budget/memory-budget-store.js'
import { RedisBudgetStore } from './budget/redis-budget-store.js'
import { type CacheStats, ResponseCache } from './cache/response-cache.js'
import { CostLedger, type CostStats } from './cost/cost-ledger.js'
import { PriceTable } from './cost/price-table.js'
import { type Candidate, Upstream, type UpstreamStats } from './egress/upstream.js'
import { newCounters, type RequestCounters } from './exchange/counters.js'
import type { Exchange } from './exchange/exchange.js'
import { ActiveChecker } from './health/active-check.js'
import { HealthMonitor } from './health/health-monitor.js'
import type { ResolvedHealth } from './health/health-options.js'
import type { UpstreamEvent } from './health/health-types.js'
import { orderP2c } from './health/p2c.js'
import { poolCheck } from './health/pool-check.js'
import { BufferPool, type BufferPoolStats } from './ingress/buffer-pool.js'
import type { BodyLimits } from './ingress/read-body.js'
import { createFieldParser, type FieldParser } from './json/field-parser.js'
import { createFieldScanner } from './json/simd/field-scanner.js'
import { stage1FileMissing } from './json/simd/stage1-module.js'
import { Limiter, type LimitStats } from './limit/limiter.js'
import { OffloadScanner, type OffloadStats } from './offload/offload-scanner.js'
import type { Logger, ResolvedOptions } from './options.js'
import { Router } from './route/router.js'
import { runStages, type StageContext } from './stages/run.js'
import type { ExchangeRecord } from './telemetry/exchange-record.js'
import { redactingLogger } from './telemetry/redact.js'
import type { TelemetrySink } from './telemetry/telemetry-sink.js'
import { usageEvent } from './telemetry/usage-event.js'
import { GatewayTracing } from './tracing/gateway-tracing.js'

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
  /** Spend and tokens; undefined without `pricing`. */
  cost: CostStats | undefined
  /** Budget levels held in this process and those past maxKeys; undefined without `budget`. */
  budget: BudgetStoreStats | undefined
  /** Hits, misses, bypasses, stores and size; undefined without `cache`. */
  cache: CacheStats | undefined
}

/** The events a core emits on its gateway (the public `exchange` and `usage` events). */
type Events = Pick<EventEmitter, 'emit' | 'listenerCount'>

export class GatewayCore implements StageContext {
  readonly options: ResolvedOptions
  readonly bufferPool: BufferPool
  readonly fieldParser: FieldParser
  readonly offload: OffloadScanner | null
  readonly upstreams: readonly Upstream[]
  readonly router: Router
  readonly counters = newCounters()
  readonly limiter: Limiter | undefined
  /** The limit's key function, also the default key of the cache scope and of budgets. */
  readonly callerKeyOf: ((req: IncomingMessage) => string | undefined) | undefined
  readonly prices: PriceTable | undefined
  readonly ledger: CostLedger | undefined
  readonly budgets: Budgets | undefined
  readonly cache: ResponseCache | undefined
  readonly logger: Logger | undefined
  readonly bodyLimits: BodyLimits
  /** OpenTelemetry GenAI spans and metrics; null when `tracing` is off. */
  readonly tracing: GatewayTracing | null
  /** Every upstream's health (health/); undefined when `health` is off. */
  readonly health: HealthMonitor | undefined
  /** The opt-in active health checks; undefined when off. */
  readonly checker: ActiveChecker | undefined
  /** Where the request path sends metrics telemetry; null when metrics are off. Set by the sidecar. */
  telemetry: TelemetrySink | null = null
  closing = false
  readonly #events: Events
  readonly #warned = new Set<string>()
  /** Some limit policy has a tokens bucket (its reservation is settled from usage). */
  readonly #tokenLimited: boolean

  constructor(options: ResolvedOptions, events: Events) {
    this.options = options
    this.#events = events
    this.bodyLimits = Object.freeze({
      maxBytes: options.maxBodyBytes,
      timeoutMs: options.timeouts.clientBodyMs,
    })
    // Every log line Velox writes goes through the redaction (no key, token or cookie in a log).
    const { logger, upstreams, sidecar, offload } = options
    this.logger = logger && redactingLogger(logger, [...upstreams.map((u) => u.apiKey), sidecar?.token])
    // The scanner's SIMD first pass (where this runtime has WebAssembly SIMD) and its arena: pooled
    // slabs are carved from the arena's shared WebAssembly memory, so the scan reads them in place.
    const fields = options.parser === 'scanner' ? createFieldScanner() : undefined
    if (fields !== undefined && fields.simd === undefined && stage1FileMissing()) {
      this.warnOnce(
        'VELOX_WARN_NO_SIMD_MODULE',
        "velox: @velox/core's stage1.wasm was not found (was @velox/core bundled without it?): " +
          'bodies are scanned without WebAssembly SIMD. Keep @velox/core external, or copy ' +
          'dist/json/simd/stage1.wasm to json/simd/ beside the bundle.',
      )
    }
    this.fieldParser = createFieldParser(options.parser, fields) // before the upstreams: may throw
    // Slabs from the offload threshold up are shared memory, so the worker reads bodies in place
    // (arena slabs always are).
    this.bufferPool = new BufferPool(options.maxBodyBytes, {
      sharedFromBytes: offload?.thresholdBytes,
      arena: fields?.simd?.arena,
    })
    this.offload = offload
      ? new OffloadScanner(this.bufferPool, offload.thresholdBytes, (code, message) =>
          this.warnOnce(code, message),
        )
      : null
    this.upstreams = upstreams.map((u) => new Upstream(u, options.timeouts))
    const health = options.health
    this.health = health && this.#healthMonitor(health)
    this.router = new Router(
      options.routes,
      new Map(this.upstreams.map((u) => [u.config.name, u])),
      this.upstreams[0]!,
      Math.random,
      health?.balance === 'p2c-ewma' && this.health ? p2cTierOrder(this.health) : undefined,
    )
    this.checker = health?.activeCheck && this.#activeChecker(health)
    this.limiter = options.limit && new Limiter(options.limit, this)
    this.tracing = options.tracing === null ? null : new GatewayTracing(options.tracing)
    this.callerKeyOf = options.limit?.key
    this.#tokenLimited = options.limit?.policies.some((p) => p.tokens !== undefined) === true
    this.prices = options.pricing && new PriceTable(options.pricing)
    this.ledger = this.prices && new CostLedger()
    const budget = options.budget
    this.budgets =
      budget &&
      new Budgets(
        budget,
        budget.store.kind === 'redis'
          ? new RedisBudgetStore(budget.store)
          : new MemoryBudgetStore(budget.store.buffer ?? createBudgetBuffer(budget.maxKeys)),
      )
    this.cache = options.cache && new ResponseCache(options.cache)
  }

  /** Usage is worth reading: records are wanted, or a token limit, budgets or prices need it. */
  get usageWanted(): boolean {
    return this.recordsWanted || this.prices !== undefined || this.budgets !== undefined || this.#tokenLimited
  }

  /** Streamed chats get the include_usage splice (`usage.ensure`; by default when usage is wanted). */
  get spliceUsage(): boolean {
    return this.options.usage.ensure ?? this.usageWanted
  }

  #healthMonitor(health: ResolvedHealth): HealthMonitor {
    const events = this.#events
    const monitor = new HealthMonitor({
      options: health,
      names: this.upstreams.map((u) => u.config.name),
      logger: this.logger,
      onEvent: (event: UpstreamEvent) => {
        try {
          events.emit('upstream', event)
        } catch (err) {
          this.logger?.error({ err }, 'velox: an upstream listener threw')
        }
      },
    })
    for (const u of this.upstreams) u.health = monitor.get(u.config.name)
    return monitor
  }

  #activeChecker(health: ResolvedHealth): ActiveChecker {
    const byName = new Map(this.upstreams.map((u) => [u.config.name, u]))
    const check = health.activeCheck!
    const checker = new ActiveChecker({
      monitor: this.health!,
      options: check,
      request: poolCheck((name) => {
        const u = byName.get(name)
        return u && { pool: u.pool, path: check.path ?? u.config.warmupPath, headers: u.injectedHeaders }
      }),
    })
    checker.start()
    return checker
  }

  /** Runs the exchange's stages from where it stands (stages/run.ts); Exchange.resume() calls it. */
  resume(ex: Exchange): void {
    runStages(this, ex)
  }

  get recordsWanted(): boolean {
    const events = this.#events
    return (
      this.telemetry !== null || events.listenerCount('exchange') > 0 || events.listenerCount('usage') > 0
    )
  }

  recordExchange(record: ExchangeRecord): void {
    // Metrics first and outside the emitter: a throwing listener must not cost the metrics a request.
    this.telemetry?.exchange(record)
    const events = this.#events
    try {
      events.emit('exchange', record)
    } catch (err) {
      this.logger?.error({ err }, 'velox: an exchange listener threw')
    }
    if (events.listenerCount('usage') === 0) return
    const usage = usageEvent(record)
    if (usage === undefined) return
    try {
      events.emit('usage', usage)
    } catch (err) {
      this.logger?.error({ err }, 'velox: a usage listener threw')
    }
  }

  /** Logs (or emits a process warning) once per code for the gateway's life. */
  warnOnce(code: string, message: string): void {
    if (this.#warned.has(code)) return
    this.#warned.add(code)
    if (this.logger) this.logger.warn({ code }, message)
    else process.emitWarning(message, { code })
  }

  /** Opens connections to the upstreams (GET of each warm-up path); failures are logged. */
  async warm(upstreams: readonly Upstream[]): Promise<void> {
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
      upstreams: this.upstreams.map((u) => {
        const s = u.stats()
        s.health = this.health?.snapshot(u.config.name) ?? null
        return s
      }),
      limit: this.limiter?.stats(),
      cost: this.ledger?.stats(),
      budget: this.budgets?.store.stats(),
      cache: this.cache?.stats(),
    }
  }
}

/**
 * 'p2c-ewma': the better of two weighted draws first, by peak-EWMA latency (decayed to the
 * monitor's now) x (in flight + 1) / weight. Made once per gateway; each ordering reads the clock once.
 */
function p2cTierOrder(monitor: HealthMonitor): (tier: readonly Candidate[]) => Candidate[] {
  let now = 0
  const costOf = (c: Candidate): number => {
    const h = c.upstream.health
    return h === undefined ? 0 : h.ewma.cost(h.inFlight, c.upstream.config.weight, now)
  }
  return (tier) => {
    now = monitor.clock()
    return orderP2c({ tier, costOf, weightOf: candidateWeight, random: Math.random })
  }
}

function candidateWeight(c: Candidate): number {
  return c.upstream.config.weight
}

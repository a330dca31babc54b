/**
 * The Prometheus metrics the sidecar serves on /metrics, in a prom-client Registry of its own
 * inside the worker. prom-client's default metrics are not collected: they would describe the
 * worker, while what users want is the main thread's event loop and memory, which the main thread
 * samples and sends (main-thread-sampler.ts). docs/guide/observability.md lists the same metrics;
 * a test checks that the two agree.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Seconds: from a cached embedding (50 ms) to a long reasoning completion (2 min). */
export const LLM_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120]

export interface ExchangeSample {
  route: string
  method: string
  model: string
  upstream: string
  status: number
  errorCode: string
  attempts: number
  fallbacks: number
  latencySeconds: number
  /** -1 when no body byte reached the client. */
  ttftSeconds: number
  /** -1 when the upstream reported none. */
  inputTokens: number
  outputTokens: number
  stream: boolean
  clientAborted: boolean
}

/** A usage-detail record as the worker reads it: -1 for a count not reported, NaN for no cost. */
export interface UsageDetailRecord {
  model: string
  cachedInputTokens: number
  cacheWriteTokens: number
  reasoningTokens: number
  cost: number
}

export class SidecarMetrics {
  readonly registry = new Registry()
  readonly requests: Counter<'route' | 'method' | 'model' | 'upstream' | 'status'>
  readonly gatewayErrors: Counter<'code'>
  readonly clientAborts: Counter<'route' | 'model' | 'upstream'>
  readonly duration: Histogram<'route' | 'model' | 'upstream'>
  readonly ttft: Histogram<'route' | 'model' | 'upstream' | 'stream'>
  readonly attempts: Counter<'upstream'>
  readonly retries: Counter<'upstream'>
  readonly fallbacks: Counter<'upstream'>
  readonly tokens: Counter<'model' | 'type'>
  readonly cost: Counter<'model'>
  readonly limitDecisions: Counter<'decision'>
  readonly queueDepth: Gauge
  readonly poolConnections: Gauge<'upstream' | 'state'>
  readonly poolRequests: Gauge<'upstream' | 'state'>
  readonly ejected: Gauge<'upstream'>
  readonly ejections: Counter<'upstream'>
  readonly cooldowns: Counter<'upstream'>
  /** The health totals last seen per upstream: each sample adds what grew since. */
  readonly #healthSeen = new Map<string, { ejections: number; cooldowns: number }>()
  readonly eventLoopDelay: Gauge<'stat'>
  readonly memory: Gauge<'type'>
  readonly dropped: Counter

  /** `dropped()` reads the telemetry records lost so far (ring full), a running total. */
  constructor(dropped: () => number) {
    const registers = [this.registry]
    this.requests = new Counter({
      name: 'velox_requests_total',
      help: 'Finished requests by route, method, model, upstream and the status the client got (0: the client left first)',
      labelNames: ['route', 'method', 'model', 'upstream', 'status'],
      registers,
    })
    this.gatewayErrors = new Counter({
      name: 'velox_gateway_errors_total',
      help: 'Requests the gateway answered with its own error, by VELOX_ERR_* code',
      labelNames: ['code'],
      registers,
    })
    this.clientAborts = new Counter({
      name: 'velox_client_aborts_total',
      help: 'Requests whose client left before the response ended',
      labelNames: ['route', 'model', 'upstream'],
      registers,
    })
    this.duration = new Histogram({
      name: 'velox_request_duration_seconds',
      help: 'From taking the request to the end of the response',
      labelNames: ['route', 'model', 'upstream'],
      buckets: LLM_BUCKETS,
      registers,
    })
    this.ttft = new Histogram({
      name: 'velox_time_to_first_token_seconds',
      help: 'From taking the request to the first response body bytes sent to the client (the first token of a stream)',
      labelNames: ['route', 'model', 'upstream', 'stream'],
      buckets: LLM_BUCKETS,
      registers,
    })
    this.attempts = new Counter({
      name: 'velox_upstream_attempts_total',
      help: 'Requests sent to upstreams, retries and fallbacks included',
      labelNames: ['upstream'],
      registers,
    })
    this.retries = new Counter({
      name: 'velox_upstream_retries_total',
      help: 'Attempts after the first one of a request (attempts - 1), fallbacks included',
      labelNames: ['upstream'],
      registers,
    })
    this.fallbacks = new Counter({
      name: 'velox_upstream_fallbacks_total',
      help: 'Requests moved on to a fallback upstream, by the upstream that answered',
      labelNames: ['upstream'],
      registers,
    })
    this.tokens = new Counter({
      name: 'velox_tokens_total',
      help: 'Tokens the upstreams reported, by model and type (input, output, cached_input, cache_write, reasoning; input counts cached and written ones too, output counts reasoning)',
      labelNames: ['model', 'type'],
      registers,
    })
    this.cost = new Counter({
      name: 'velox_cost_total',
      help: 'Cost of the answered requests, by model, in the unit of the pricing option (models without a price add nothing)',
      labelNames: ['model'],
      registers,
    })
    this.limitDecisions = new Counter({
      name: 'velox_limit_decisions_total',
      help: 'Rate-limit decisions: admitted, queued, rejected_429, rejected_503',
      labelNames: ['decision'],
      registers,
    })
    this.queueDepth = new Gauge({
      name: 'velox_limit_queue_depth',
      help: 'Requests waiting in the admission queue',
      registers,
    })
    this.poolConnections = new Gauge({
      name: 'velox_upstream_pool_connections',
      help: 'Upstream pool connections: connected (open) and free (open, idle)',
      labelNames: ['upstream', 'state'],
      registers,
    })
    this.poolRequests = new Gauge({
      name: 'velox_upstream_pool_requests',
      help: 'Upstream pool requests: pending (waiting for a connection) and running',
      labelNames: ['upstream', 'state'],
      registers,
    })
    this.ejected = new Gauge({
      name: 'velox_upstream_ejected',
      help: 'Upstreams out of the rotation: 1 while ejected or half-open (outlier detection), else 0 (sampled)',
      labelNames: ['upstream'],
      registers,
    })
    this.ejections = new Counter({
      name: 'velox_upstream_ejections_total',
      help: 'Times an upstream was ejected (consecutive failures, a failed probe or health check)',
      labelNames: ['upstream'],
      registers,
    })
    this.cooldowns = new Counter({
      name: 'velox_upstream_cooldowns_total',
      help: 'Cooldowns set or extended on an upstream by a 429 or 503 with Retry-After',
      labelNames: ['upstream'],
      registers,
    })
    this.eventLoopDelay = new Gauge({
      name: 'velox_main_eventloop_delay_seconds',
      help: "The main thread's event-loop delay over the last sample interval (min, max, mean, p50, p90, p99)",
      labelNames: ['stat'],
      registers,
    })
    this.memory = new Gauge({
      name: 'velox_main_memory_bytes',
      help: "Memory: the process's rss, and the main thread's heap_total, heap_used and external",
      labelNames: ['type'],
      registers,
    })
    let reported = 0
    this.dropped = new Counter({
      name: 'velox_telemetry_dropped_total',
      help: 'Telemetry records lost because the ring to the sidecar was full (metrics undercount by this much)',
      registers,
      collect() {
        const now = dropped()
        if (now > reported) this.inc(now - reported)
        reported = now
      },
    })
  }

  /** One sample of an upstream's health: the gauge now, the counters by what grew since the last one. */
  health(upstream: string, ejected: number, ejections: number, cooldowns: number): void {
    this.ejected.set({ upstream }, ejected)
    const seen = this.#healthSeen.get(upstream) ?? { ejections: 0, cooldowns: 0 }
    if (ejections > seen.ejections) this.ejections.inc({ upstream }, ejections - seen.ejections)
    if (cooldowns > seen.cooldowns) this.cooldowns.inc({ upstream }, cooldowns - seen.cooldowns)
    this.#healthSeen.set(upstream, { ejections, cooldowns })
  }

  exchange(x: ExchangeSample): void {
    const { route, model, upstream } = x
    this.requests.inc({ route, method: x.method, model, upstream, status: String(x.status) })
    if (x.errorCode !== '') this.gatewayErrors.inc({ code: x.errorCode })
    if (x.clientAborted) this.clientAborts.inc({ route, model, upstream })
    this.duration.observe({ route, model, upstream }, x.latencySeconds)
    if (x.ttftSeconds >= 0)
      this.ttft.observe({ route, model, upstream, stream: String(x.stream) }, x.ttftSeconds)
    if (x.attempts > 0) {
      this.attempts.inc({ upstream }, x.attempts)
      if (x.attempts > 1) this.retries.inc({ upstream }, x.attempts - 1)
      if (x.fallbacks > 0) this.fallbacks.inc({ upstream }, x.fallbacks)
    }
    if (x.inputTokens > 0) this.tokens.inc({ model, type: 'input' }, x.inputTokens)
    if (x.outputTokens > 0) this.tokens.inc({ model, type: 'output' }, x.outputTokens)
  }

  usageDetail(u: UsageDetailRecord): void {
    const model = u.model
    if (u.cachedInputTokens > 0) this.tokens.inc({ model, type: 'cached_input' }, u.cachedInputTokens)
    if (u.cacheWriteTokens > 0) this.tokens.inc({ model, type: 'cache_write' }, u.cacheWriteTokens)
    if (u.reasoningTokens > 0) this.tokens.inc({ model, type: 'reasoning' }, u.reasoningTokens)
    if (u.cost > 0) this.cost.inc({ model }, u.cost)
  }
}

/**
 * What only the main thread can read, sampled on a timer into telemetry records: its event-loop
 * delay (perf_hooks.monitorEventLoopDelay, reset after each sample so a value covers one interval),
 * its heap (the worker's own heap is not the one users care about), and from `gateway.stats()` the
 * upstream pools and the rate limiter's counts. The limiter counts its decisions itself; reading
 * them here costs the request path nothing. Runs only while metrics are on; the timer is unref'd so
 * it never keeps the process alive.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks'
import { LIMIT_DECISIONS, type LimitDecision } from './record-layout.js'
import type { PoolSample, TelemetryWriter } from './telemetry-writer.js'

/** Resolution of the event-loop delay timer (ms): Node's default, about 100 wake-ups a second. */
const RESOLUTION_MS = 10
/**
 * The histogram records the time between two timer wake-ups, resolution included (an idle loop
 * reads 10.1 ms at a 10 ms resolution); the delay is what exceeds the resolution.
 */
const RESOLUTION_NS = RESOLUTION_MS * 1e6
const delay = (ns: number) => Math.max(0, ns - RESOLUTION_NS)

/** The limiter's running totals, as `gateway.stats().limit` has them (limit/limiter.ts). */
export interface LimitCounts {
  queueDepth: number
  admitted: number
  queued: number
  rejected: {
    rateLimited: number
    waitTimeout: number
    tooLarge: number
    queueFull: number
    unavailable: number
  }
}

/** What the sampler reads of `gateway.stats()`. */
export interface SampledStats {
  upstreams: readonly PoolSample[]
  limit?: LimitCounts | undefined
}

/** The limiter's totals in the four decisions of `velox_limit_decisions_total`. */
function decisionTotals(l: LimitCounts): Record<LimitDecision, number> {
  const r = l.rejected
  return {
    admitted: l.admitted,
    queued: l.queued,
    rejected_429: r.rateLimited + r.waitTimeout + r.tooLarge,
    rejected_503: r.queueFull + r.unavailable,
  }
}

export class MainThreadSampler {
  readonly #writer: TelemetryWriter
  readonly #stats: () => SampledStats
  readonly #delay: IntervalHistogram
  readonly #timer: NodeJS.Timeout
  /** The limiter's totals at the last sample: each sample sends what was added since. */
  readonly #decisionsSent: Record<LimitDecision, number> = {
    admitted: 0,
    queued: 0,
    rejected_429: 0,
    rejected_503: 0,
  }

  /** Starts sampling now and every `intervalMs`. */
  constructor(writer: TelemetryWriter, intervalMs: number, stats: () => SampledStats) {
    this.#writer = writer
    this.#stats = stats
    this.#delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.#delay.enable()
    this.sample()
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
  }

  sample(): void {
    const writer = this.#writer
    const h = this.#delay
    if (h.count > 0) {
      writer.eventLoop({
        min: delay(h.min),
        max: delay(h.max),
        mean: delay(h.mean),
        p50: delay(h.percentile(50)),
        p90: delay(h.percentile(90)),
        p99: delay(h.percentile(99)),
      })
      h.reset()
    }
    writer.memory(process.memoryUsage())
    const stats = this.#stats()
    for (const pool of stats.upstreams) writer.pool(pool)
    if (stats.limit !== undefined) {
      const totals = decisionTotals(stats.limit)
      for (const decision of LIMIT_DECISIONS) {
        const added = totals[decision] - this.#decisionsSent[decision]
        if (added > 0) writer.limitDecision(decision, added)
        this.#decisionsSent[decision] = totals[decision]
      }
      writer.queueDepth(stats.limit.queueDepth)
    }
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#delay.disable()
  }
}

/**
 * The gateway's health of every upstream, in one place: the state machines by upstream name, the
 * clocks, and where a change goes (one log line, the `upstream` event listeners, the counters the
 * metrics read). On the request path the route and egress stages use each upstream's own state
 * machine (`upstream.health`, set from `get(name)`: no lookup by name per attempt) and hand every
 * change to `publish`; the by-name methods (`begin`, `attemptEnded`, `cooled`) do the same for
 * callers that hold only a name.
 */
import type { ResolvedHealth } from './health-options.js'
import type {
  AttemptAdmission,
  AttemptOutcome,
  HealthClock,
  HealthSnapshot,
  UpstreamEvent,
} from './health-types.js'
import { UpstreamHealth } from './upstream-health.js'

/** The two logger levels health writes at (a pino-compatible logger fits). */
export interface HealthLogger {
  info(obj: unknown, msg?: string): void
  warn(obj: unknown, msg?: string): void
}

export interface HealthMonitorInput {
  readonly options: ResolvedHealth
  /** Upstream names, in the configured order. */
  readonly names: readonly string[]
  /** Monotonic ms; default the process's monotonic clock. */
  readonly clock?: HealthClock
  /** Epoch ms for the stats' dates; default Date.now. */
  readonly wallClock?: () => number
  readonly logger?: HealthLogger
  /** Every change (the gateway emits it as `upstream`). */
  readonly onEvent?: (event: UpstreamEvent) => void
}

/** What one attempt's end reports. */
export interface AttemptReport {
  readonly upstream: string
  readonly admission: AttemptAdmission
  readonly outcome: AttemptOutcome
  /** From the attempt's start to its response headers or failure, ms. */
  readonly latencyMs: number
}

/**
 * Monotonic whole ms of this thread (health lives in one thread, so performance.now() is enough):
 * whole numbers stay small integers in V8, where a fraction would allocate a heap number on every
 * read of the clock on the request path. A millisecond is fine enough for ejections and latencies.
 */
const defaultClock: HealthClock = () => Math.floor(performance.now())

export class HealthMonitor {
  readonly options: ResolvedHealth
  /** Monotonic ms; tests replace it (through `@velox/core/internal`) to move time by hand. */
  clock: HealthClock
  readonly #wallClock: () => number
  readonly #byName = new Map<string, UpstreamHealth>()
  readonly #logger: HealthLogger | undefined
  readonly #onEvent: ((event: UpstreamEvent) => void) | undefined

  constructor(input: HealthMonitorInput) {
    this.options = input.options
    this.clock = input.clock ?? defaultClock
    this.#wallClock = input.wallClock ?? Date.now
    this.#logger = input.logger
    this.#onEvent = input.onEvent
    for (const name of input.names) this.#byName.set(name, new UpstreamHealth(name, input.options))
  }

  get(name: string): UpstreamHealth | undefined {
    return this.#byName.get(name)
  }

  /** Every upstream's health, in the configured order. */
  all(): IterableIterator<UpstreamHealth> {
    return this.#byName.values()
  }

  /** An attempt is about to go out to `name` (see UpstreamHealth.begin). */
  begin(name: string, force: boolean): AttemptAdmission {
    return this.#byName.get(name)?.begin(this.clock(), force) ?? 'normal'
  }

  /** An attempt ended with an outcome; publishes the change it caused. */
  attemptEnded(report: AttemptReport): void {
    const health = this.#byName.get(report.upstream)
    if (health === undefined) return
    this.publish(health.end(report.admission, report.outcome, report.latencyMs, this.clock()))
  }

  /** An attempt ended without an outcome (client gone, aborted). */
  attemptAbandoned(name: string, admission: AttemptAdmission): void {
    this.#byName.get(name)?.abandon(admission)
  }

  /** A 429/503 carried Retry-After: cool the upstream (or the model on it). */
  cooled(name: string, status: number, retryAfterMs: number, model: string | undefined): void {
    const health = this.#byName.get(name)
    if (health === undefined) return
    this.publish(health.cool(status, retryAfterMs, model, this.clock()))
  }

  /** Logs a change once and hands it to the listener. */
  publish(event: UpstreamEvent | undefined): void {
    if (event === undefined) return
    const logger = this.#logger
    if (logger !== undefined) {
      if (event.type === 'ejected') logger.warn(event, `velox: upstream ${event.upstream} ejected`)
      else if (event.type === 'restored') logger.info(event, `velox: upstream ${event.upstream} restored`)
      else logger.info(event, `velox: upstream ${event.upstream} cooling down`)
    }
    this.#onEvent?.(event)
  }

  snapshot(name: string): HealthSnapshot | undefined {
    return this.#byName.get(name)?.snapshot(this.clock(), this.#wallClock())
  }

  /** The metrics' numbers: upstreams ejected now, ejections and cooldowns since start. */
  totals(): { ejected: number; ejections: number; cooldowns: number } {
    const now = this.clock()
    let ejected = 0
    let ejections = 0
    let cooldowns = 0
    for (const h of this.#byName.values()) {
      if (h.isEjected(now) || h.state === 'half-open') ejected++
      ejections += h.ejections
      cooldowns += h.cooldownCount
    }
    return { ejected, ejections, cooldowns }
  }
}

/**
 * The health state machine of one upstream (Envoy's outlier detection): consecutive gateway
 * failures and consecutive 5xx are counted; at a threshold the upstream is ejected for
 * `baseEjectionMs x times ejected` (capped by `maxEjectionMs`); when that ends it is half-open and
 * exactly one attempt probes it: a response restores it, a failure ejects it again for longer.
 * Healthy time earns the multiplier back, one step per `baseEjectionMs` (Envoy decrements it each
 * interval the host stays healthy). Cooldowns and the latency estimate live beside it. Pure: every
 * method takes `now` (monotonic ms), so tests drive time by hand.
 */
import { Cooldowns } from './cooldown.js'
import type { ResolvedHealth } from './health-options.js'
import type {
  AttemptAdmission,
  AttemptOutcome,
  EjectionReason,
  HealthSnapshot,
  HealthState,
  UpstreamEvent,
} from './health-types.js'
import { PeakEwma } from './peak-ewma.js'

export class UpstreamHealth {
  readonly name: string
  readonly options: ResolvedHealth
  state: HealthState = 'healthy'
  consecutiveGateway = 0
  consecutive5xx = 0
  /** Monotonic ms the current ejection ends (meaningful while ejected). */
  ejectedUntil = 0
  timesEjected = 0
  /** Monotonic ms of the last restore; -1 before the first ejection. */
  restoredAt = -1
  probeInFlight = false
  inFlight = 0
  /** Ejections and cooldowns since start (the metrics' counters). */
  ejections = 0
  cooldownCount = 0
  readonly cooldowns = new Cooldowns()
  readonly ewma: PeakEwma

  constructor(name: string, options: ResolvedHealth) {
    this.name = name
    this.options = options
    this.ewma = new PeakEwma(options.ewmaDecayMs)
  }

  /** True while ejected (a half-open upstream whose probe is out counts as ejected). */
  isEjected(now: number): boolean {
    if (this.state === 'ejected') {
      if (now < this.ejectedUntil) return true
      this.state = 'half-open'
    }
    return this.state === 'half-open' && this.probeInFlight
  }

  /** Monotonic ms until which `model` (or the upstream) cools; 0 when it does not. */
  coolingUntil(model: string | undefined, now: number): number {
    return this.cooldowns.until(model, now)
  }

  /** Neither ejected nor cooling for `model`: the route may offer it. */
  isAvailable(model: string | undefined, now: number): boolean {
    return !this.isEjected(now) && this.cooldowns.until(model, now) === 0
  }

  /**
   * An attempt is about to go out. A half-open upstream lets one probe through and refuses others
   * unless `force` (the route is in panic: every candidate is out, so all are tried).
   */
  begin(now: number, force: boolean): AttemptAdmission {
    const ejected = this.isEjected(now)
    if (this.state === 'half-open' && !this.probeInFlight) {
      this.probeInFlight = true
      this.inFlight++
      return 'probe'
    }
    if (ejected && !force) return 'refused'
    this.inFlight++
    return 'normal'
  }

  /** An admitted attempt ended without telling anything (client left, aborted for a retry). */
  abandon(admission: AttemptAdmission): void {
    if (admission === 'refused') return
    this.inFlight--
    if (admission === 'probe') this.probeInFlight = false
  }

  /**
   * An admitted attempt ended with `outcome` after `latencyMs` (to response headers, or to the
   * failure). Returns the change it caused, if any.
   */
  end(
    admission: AttemptAdmission,
    outcome: AttemptOutcome,
    latencyMs: number,
    now: number,
  ): UpstreamEvent | undefined {
    this.abandon(admission)
    if (admission === 'refused') return undefined
    this.ewma.observe(latencyMs, now)
    return this.record(outcome, now, admission === 'probe' ? 'probe' : 'traffic')
  }

  /** Applies an outcome to the counters and the state (also used by active checks). */
  record(
    outcome: AttemptOutcome,
    now: number,
    by: 'probe' | 'traffic' | 'active-check',
  ): UpstreamEvent | undefined {
    if (outcome === 'success') {
      // A passing check does not cut an ejection short: a server can answer GET /models and fail chat.
      if (by === 'active-check' && this.state === 'ejected' && now < this.ejectedUntil) return undefined
      this.consecutiveGateway = 0
      this.consecutive5xx = 0
      if (this.state === 'healthy') return undefined
      this.state = 'healthy'
      this.probeInFlight = false
      this.restoredAt = now
      return { type: 'restored', upstream: this.name, by }
    }
    if (this.isEjected(now)) return undefined // panic traffic, or a check while out: already ejected
    if (this.state === 'half-open')
      return this.eject(now, by === 'active-check' ? 'active-check' : 'probe-failed')
    if (outcome === 'gateway-failure') this.consecutiveGateway++
    else this.consecutiveGateway = 0
    this.consecutive5xx++
    const o = this.options
    if (o.consecutiveGatewayFailures > 0 && this.consecutiveGateway >= o.consecutiveGatewayFailures) {
      return this.eject(now, 'consecutive-gateway-failures')
    }
    if (o.consecutive5xx > 0 && this.consecutive5xx >= o.consecutive5xx)
      return this.eject(now, 'consecutive-5xx')
    return undefined
  }

  /**
   * A 429 or 503 said when to come back. Cools the model (429 with the 'model' scope) or the whole
   * upstream until then, capped by `maxCooldownMs`; returns the event when that set or extended a
   * deadline, undefined when cooldowns are off or an existing deadline already reaches it.
   */
  cool(
    status: number,
    retryAfterMs: number,
    model: string | undefined,
    now: number,
  ): UpstreamEvent | undefined {
    const o = this.options
    if (!o.cooldown || retryAfterMs <= 0) return undefined
    const durationMs = Math.min(retryAfterMs, o.maxCooldownMs)
    const key = status === 429 && o.cooldownScope === 'model' ? model : undefined
    if (!this.cooldowns.extend(key, now + durationMs, now)) return undefined
    this.cooldownCount++
    return { type: 'cooldown', upstream: this.name, model: key, status, durationMs }
  }

  /** The stats view; `wallNow` (epoch ms) turns the monotonic deadlines into dates. */
  snapshot(now: number, wallNow: number): HealthSnapshot {
    const ejected = this.isEjected(now)
    const cooling = this.cooldowns.upstreamUntil > now
    return {
      state: this.state,
      consecutiveGatewayFailures: this.consecutiveGateway,
      consecutive5xx: this.consecutive5xx,
      ejectedUntil: ejected && this.state === 'ejected' ? wallNow + (this.ejectedUntil - now) : null,
      timesEjected: this.timesEjected,
      cooldownUntil: cooling ? wallNow + (this.cooldowns.upstreamUntil - now) : null,
      modelsCooling: this.cooldowns.models(now),
      ewmaLatencyMs: Math.round(this.ewma.latencyMs * 10) / 10,
      inFlight: this.inFlight,
      ejections: this.ejections,
      cooldowns: this.cooldownCount,
    }
  }

  eject(now: number, reason: EjectionReason): UpstreamEvent {
    const o = this.options
    if (this.restoredAt >= 0 && this.state === 'healthy') {
      const earned = Math.floor((now - this.restoredAt) / o.baseEjectionMs)
      this.timesEjected = Math.max(0, this.timesEjected - earned)
    }
    this.timesEjected++
    const durationMs = Math.min(o.baseEjectionMs * this.timesEjected, o.maxEjectionMs)
    this.state = 'ejected'
    this.ejectedUntil = now + durationMs
    this.probeInFlight = false
    this.consecutiveGateway = 0
    this.consecutive5xx = 0
    this.ejections++
    return { type: 'ejected', upstream: this.name, reason, durationMs, timesEjected: this.timesEjected }
  }
}

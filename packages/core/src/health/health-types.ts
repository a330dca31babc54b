/**
 * The shapes health shares with the rest of the gateway (a leaf module, so the route, egress and
 * telemetry code can name them without importing the state machine): the outcome of an attempt,
 * the changes it can cause, and the snapshot `gateway.stats()` shows.
 */

/** A monotonic clock in milliseconds (tests inject their own). */
export type HealthClock = () => number

/** What one attempt on an upstream told about it. */
export type AttemptOutcome =
  /** A response that is not a 5xx (a 4xx, 429 included, proves the upstream alive). */
  | 'success'
  /** Connect error, reset, TLS error, timeout: no usable response. */
  | 'gateway-failure'
  /** A 5xx response. */
  | 'server-error'

/** How an attempt was let through: a normal one, the half-open probe, or refused (probe already out). */
export type AttemptAdmission = 'normal' | 'probe' | 'refused'

export type HealthState = 'healthy' | 'ejected' | 'half-open'

export type EjectionReason =
  | 'consecutive-gateway-failures'
  | 'consecutive-5xx'
  | 'probe-failed'
  | 'active-check'

/** One change of an upstream's health, as `gateway.on('upstream', ...)` receives it. */
export type UpstreamEvent =
  | {
      readonly type: 'ejected'
      readonly upstream: string
      readonly reason: EjectionReason
      /** How long, in ms. */
      readonly durationMs: number
      /** This upstream's ejections so far, this one included (after decay while healthy). */
      readonly timesEjected: number
    }
  | {
      readonly type: 'restored'
      readonly upstream: string
      readonly by: 'probe' | 'traffic' | 'active-check'
    }
  | {
      readonly type: 'cooldown'
      readonly upstream: string
      /** Undefined when the whole upstream cools. */
      readonly model: string | undefined
      readonly status: number
      /** How long from now, in ms. */
      readonly durationMs: number
    }

/** `gateway.stats().upstreams[i].health`. */
export interface HealthSnapshot {
  state: HealthState
  consecutiveGatewayFailures: number
  consecutive5xx: number
  /** Epoch ms the ejection ends; null when not ejected. */
  ejectedUntil: number | null
  timesEjected: number
  /** Epoch ms the upstream-wide cooldown ends; null when none. */
  cooldownUntil: number | null
  /** Models cooling on this upstream now. */
  modelsCooling: number
  /** Peak-EWMA latency to response headers, ms (0 before the first response). */
  ewmaLatencyMs: number
  inFlight: number
  ejections: number
  cooldowns: number
}

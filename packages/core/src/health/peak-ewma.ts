/**
 * Peak-EWMA latency of one upstream, the load estimate of Finagle's and tower's p2c balancers: a
 * slower sample is taken at once (the peak), a faster one is blended in with a weight that decays
 * with the time since the last sample, so a recovered upstream earns traffic back gradually and a
 * slow one loses it immediately. Read, the estimate decays toward zero with the time since the
 * last sample (as Finagle's and tower's do): an upstream that got no traffic since a slow answer is
 * tried again rather than shunned forever. The cost of one more request is latency x (in flight + 1).
 */

export class PeakEwma {
  /** The estimate in ms; 0 until the first sample (an unmeasured upstream is tried first). */
  latencyMs = 0
  /** Monotonic ms of the last sample. */
  #lastAt = 0
  readonly #decayMs: number

  constructor(decayMs: number) {
    this.#decayMs = decayMs
  }

  /** Adds one latency sample taken at `now` (monotonic ms). */
  observe(sampleMs: number, now: number): void {
    if (sampleMs >= this.latencyMs) this.latencyMs = sampleMs
    else {
      const elapsed = Math.max(0, now - this.#lastAt)
      const keep = Math.exp(-elapsed / this.#decayMs)
      this.latencyMs = this.latencyMs * keep + sampleMs * (1 - keep)
    }
    this.#lastAt = now
  }

  /** The estimate at `now`, decayed toward zero since the last sample. */
  at(now: number): number {
    const elapsed = now - this.#lastAt
    return elapsed > 0 ? this.latencyMs * Math.exp(-elapsed / this.#decayMs) : this.latencyMs
  }

  /**
   * The cost at `now` of one more request with `inFlight` already running, divided by the
   * upstream's weight (a weight-2 upstream is worth two of weight 1).
   */
  cost(inFlight: number, weight: number, now: number): number {
    return (this.at(now) * (inFlight + 1)) / (weight > 0 ? weight : 1)
  }
}

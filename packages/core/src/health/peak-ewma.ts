/**
 * Peak-EWMA latency of one upstream, the load estimate of Finagle's and tower's p2c balancers: a
 * slower sample is taken at once (the peak), a faster one is blended in with a weight that decays
 * with the time since the last sample, so a recovered upstream earns traffic back gradually and a
 * slow one loses it immediately. The cost of sending one more request is latency x (in flight + 1).
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

  /**
   * The cost of one more request with `inFlight` already running, divided by the upstream's weight
   * (a weight-2 upstream is worth two of weight 1).
   */
  cost(inFlight: number, weight: number): number {
    return (this.latencyMs * (inFlight + 1)) / (weight > 0 ? weight : 1)
  }
}

/**
 * What only the main thread can measure about itself, sampled on a timer into telemetry records:
 * its event-loop delay (perf_hooks.monitorEventLoopDelay, reset after each sample so a value covers
 * one interval), its heap (the worker's own heap is not the one users care about), and the upstream
 * pools from `gateway.stats()`. Runs only while metrics are on; the timer is unref'd so it never
 * keeps the process alive.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks'
import type { PoolSample, TelemetryWriter } from './telemetry-writer.js'

/** Resolution of the event-loop delay timer (ms): Node's default, about 100 wake-ups a second. */
const RESOLUTION_MS = 10
/**
 * The histogram records the time between two timer wake-ups, resolution included (an idle loop
 * reads 10.1 ms at a 10 ms resolution); the delay is what exceeds the resolution.
 */
const RESOLUTION_NS = RESOLUTION_MS * 1e6
const delay = (ns: number) => Math.max(0, ns - RESOLUTION_NS)

export class MainThreadSampler {
  readonly #writer: TelemetryWriter
  readonly #pools: () => PoolSample[]
  readonly #delay: IntervalHistogram
  readonly #timer: NodeJS.Timeout

  /** Starts sampling now and every `intervalMs`. `pools` reads the upstream pool stats. */
  constructor(writer: TelemetryWriter, intervalMs: number, pools: () => PoolSample[]) {
    this.#writer = writer
    this.#pools = pools
    this.#delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
    this.#delay.enable()
    this.sample()
    this.#timer = setInterval(() => this.sample(), intervalMs)
    this.#timer.unref()
  }

  sample(): void {
    const h = this.#delay
    if (h.count > 0) {
      this.#writer.eventLoop({
        min: delay(h.min),
        max: delay(h.max),
        mean: delay(h.mean),
        p50: delay(h.percentile(50)),
        p90: delay(h.percentile(90)),
        p99: delay(h.percentile(99)),
      })
      h.reset()
    }
    this.#writer.memory(process.memoryUsage())
    for (const pool of this.#pools()) this.#writer.pool(pool)
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#delay.disable()
  }
}

/** The pools of `gateway.stats().upstreams`, labelled by upstream name as exchange records are. */
export function poolSamples(upstreams: readonly PoolSample[]): PoolSample[] {
  return upstreams.map(({ name, connected, free, pending, running }) => ({
    name,
    connected,
    free,
    pending,
    running,
  }))
}

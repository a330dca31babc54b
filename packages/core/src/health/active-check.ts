/**
 * Opt-in active health checks: every `intervalMs` each upstream gets a GET of its warm-up path,
 * and the result is recorded as traffic would be, except that a check never probes through a
 * half-open upstream's single slot: a passing check restores an ejected upstream whose time is up,
 * a failing one ejects it again. Between ejections failed checks count toward the same
 * thresholds as requests. Off by default: a check is a request the provider may bill or limit.
 */

import type { HealthMonitor } from './health-monitor.js'
import type { ResolvedActiveCheck } from './health-options.js'
import type { AttemptOutcome } from './health-types.js'
import { outcomeOfStatus } from './outcome.js'

/** Sends one check: resolves to the response status, rejects on a transport failure or the timeout. */
export type CheckRequest = (upstream: string, signal: AbortSignal) => Promise<number>

export interface ActiveCheckInput {
  readonly monitor: HealthMonitor
  readonly options: ResolvedActiveCheck
  readonly request: CheckRequest
}

export class ActiveChecker {
  readonly #input: ActiveCheckInput
  #timer: NodeJS.Timeout | undefined = undefined
  #running: Promise<void> | undefined = undefined

  constructor(input: ActiveCheckInput) {
    this.#input = input
  }

  /** Starts the timer (unref'd: checks never keep the process alive). */
  start(): void {
    if (this.#timer !== undefined) return
    this.#timer = setInterval(() => {
      this.#running ??= this.tick().finally(() => {
        this.#running = undefined
      })
    }, this.#input.options.intervalMs)
    this.#timer.unref()
  }

  /** One round: every upstream checked once, in parallel. */
  async tick(): Promise<void> {
    const { monitor } = this.#input
    await Promise.all([...monitor.all()].map((health) => this.#checkOne(health.name)))
  }

  async #checkOne(name: string): Promise<void> {
    const { monitor, options, request } = this.#input
    const signal = AbortSignal.timeout(options.timeoutMs)
    let outcome: AttemptOutcome
    try {
      outcome = outcomeOfStatus(await request(name, signal))
    } catch {
      outcome = 'gateway-failure'
    }
    const health = monitor.get(name)
    if (health !== undefined) monitor.publish(health.record(outcome, monitor.clock(), 'active-check'))
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.#running
  }
}

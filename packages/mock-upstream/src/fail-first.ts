import type { Controls } from './controls.js'

/**
 * Per-id request counters behind `x-mock-fail-first`: the first N requests of an id fail, later ones
 * succeed, which is what a retry test needs. Ids keep tests that run in parallel from sharing a count.
 */
export class FailureCounters {
  readonly #seen = new Map<string, number>()

  /** True when this request gets its status or fault; counts it when `x-mock-fail-first` is set. */
  shouldFail(controls: Controls): boolean {
    if (controls.failFirst === undefined) return true
    const seen = this.#seen.get(controls.failId) ?? 0
    this.#seen.set(controls.failId, seen + 1)
    return seen < controls.failFirst
  }

  clear(): void {
    this.#seen.clear()
  }
}

/**
 * A request's token reservation: taken at admission from an estimate, settled when the exchange
 * ends with the usage the response reported (a refund when it used less, a charge when more).
 * Unknown usage (no usage in the response, a stream without include_usage, a cut response) keeps
 * the reservation as it was: the estimate is the best the gateway knows.
 */

/** What the limiter does with a settled reservation. */
export interface Settler {
  adjust(policy: number, key: string, requests: number, tokens: number): void
}

export class Reservation {
  readonly policy: number
  readonly key: string
  /** Tokens taken at admission. */
  readonly reserved: number
  #settled = false
  readonly #settler: Settler

  constructor(settler: Settler, policy: number, key: string, reserved: number) {
    this.#settler = settler
    this.policy = policy
    this.key = key
    this.reserved = reserved
  }

  /**
   * Settles once with the response's usage; later calls do nothing.
   *
   * @example
   * info.reservation?.settle(usage.inputTokens, usage.outputTokens)
   */
  settle(inputTokens: number | undefined, outputTokens: number | undefined): void {
    if (this.#settled) return
    this.#settled = true
    if (inputTokens === undefined && outputTokens === undefined) return
    const delta = this.reserved - (inputTokens ?? 0) - (outputTokens ?? 0)
    if (delta !== 0) this.#settler.adjust(this.policy, this.key, 0, delta)
  }
}

/**
 * One attempt of an exchange on one upstream: the undici dispatch handler. It holds nothing but
 * its place in the exchange, so a late callback from an attempt that was abandoned (aborted for a
 * retry, or by the deadline) reaches the owner marked as stale and is ignored there. The owner
 * (stages/60-egress.ts) chooses retries and fallbacks; the client side is http/client-writer.ts.
 */
import type { Upstream } from './upstream.js'

/** What an attempt reports to (implemented by the egress stage's dispatch). */
export interface AttemptOwner {
  onAttemptHeaders(
    attempt: UpstreamAttempt,
    status: number,
    raw: Buffer[],
    resume: () => void,
    text: string,
  ): boolean
  onAttemptData(attempt: UpstreamAttempt, chunk: Buffer): boolean
  onAttemptComplete(attempt: UpstreamAttempt): void
  onAttemptError(attempt: UpstreamAttempt, err: Error): void
}

export class UpstreamAttempt {
  readonly upstream: Upstream
  readonly #owner: AttemptOwner
  /** undici's abort for this request; null until undici connects it. */
  #abortFn: ((err: Error) => void) | null = null
  /** Set when the attempt must stop as soon as undici lets it. */
  #abortReason: Error | null = null
  #discard = false
  #bodySent = false

  constructor(owner: AttemptOwner, upstream: Upstream) {
    this.#owner = owner
    this.upstream = upstream
  }

  /** The response is a retryable failure: its body is read and dropped (to keep the connection). */
  get discarding(): boolean {
    return this.#discard
  }

  /** The whole request body was written to the upstream's socket (undici's onRequestSent). */
  get bodySent(): boolean {
    return this.#bodySent
  }

  onRequestSent(): void {
    this.#bodySent = true
  }

  discardBody(): void {
    this.#discard = true
  }

  abort(reason: Error): void {
    this.#abortReason = reason
    this.#abortFn?.(reason)
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.#abortReason !== null) abort(this.#abortReason)
    else this.#abortFn = abort
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void, statusText: string): boolean {
    return this.#owner.onAttemptHeaders(this, statusCode, rawHeaders, resume, statusText)
  }

  onData(chunk: Buffer): boolean {
    return this.#owner.onAttemptData(this, chunk)
  }

  onComplete(): void {
    this.#owner.onAttemptComplete(this)
  }

  onError(err: Error): void {
    try {
      this.#owner.onAttemptError(this, err)
    } catch {
      // undici must never see a throw from onError.
    }
  }
}

/**
 * An exchange the limiter has not admitted yet: the exchange itself (which carries everything
 * needed to send it on or answer it), the bucket it waits for, and whether its client is still
 * there. Made only off the fast path (a request that waits, or any request with an asynchronous
 * store).
 */
import type { Exchange } from '../exchange/exchange.js'
import type { Waiting } from './admission.js'

export class Waiter implements Waiting {
  readonly ex: Exchange
  readonly deadline: number
  readonly bucket: string
  slot = -1
  readonly policy: number
  /** The caller's key (the exchange's). */
  readonly key: string
  readonly tokens: number
  /** x-ratelimit-* of the last answer from the store, for a 429. */
  headers: string[] | undefined = undefined
  /** Microseconds until the last refused acquire could succeed. */
  retryAfterUs = 0
  /** Which bucket refused last. */
  limitedBy: 'requests' | 'tokens' | undefined = undefined
  /** Admitted, answered, or gone: nothing more to do. */
  done = false
  /** Its client left before it was admitted. */
  gone = false
  readonly onClose: () => void

  constructor(
    ex: Exchange,
    policy: number,
    tokens: number,
    deadline: number,
    onClose: (waiter: Waiter) => void,
  ) {
    this.ex = ex
    this.policy = policy
    this.key = ex.key!
    this.tokens = tokens
    this.deadline = deadline
    this.bucket = bucketId(policy, this.key)
    this.onClose = () => onClose(this)
    ex.res.on('close', this.onClose)
  }

  /** Stops watching the client (it is admitted or answered). */
  finish(): void {
    this.done = true
    this.ex.res.off('close', this.onClose)
  }
}

/** The name of one (policy, key) bucket pair in the queue's bookkeeping. */
export function bucketId(policy: number, key: string): string {
  return `${policy} ${key}`
}

/**
 * A request the limiter has not admitted yet: everything needed to send it on (or answer it) once
 * its bucket decides, and whether its client is still there. Made only off the fast path (a
 * request that waits, or any request with an asynchronous store).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Outgoing } from '../egress/proxy-exchange.js'
import type { VeloxError } from '../errors.js'
import type { GatewayContext } from '../node/context.js'
import type { Waiting } from '../queue/admission.js'
import type { Candidate } from '../route/router.js'
import type { RequestInfo } from '../telemetry/exchange-record.js'

/** Sends an admitted request upstream (node/handle-request.ts). */
export type Proceed = (
  ctx: GatewayContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  outgoing: Outgoing,
  candidates: readonly Candidate[],
  slab: Buffer | null,
) => void

/** Answers with a gateway error and counts it (node/handle-request.ts). */
export type Reject = (
  ctx: GatewayContext,
  info: RequestInfo,
  res: ServerResponse,
  error: VeloxError,
  options?: { headers?: Record<string, string> },
) => void

export class Waiter implements Waiting {
  readonly deadline: number
  readonly bucket: string
  slot = -1
  readonly ctx: GatewayContext
  readonly info: RequestInfo
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly outgoing: Outgoing
  readonly candidates: readonly Candidate[]
  slab: Buffer | null
  readonly proceed: Proceed
  readonly reject: Reject
  readonly policy: number
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
    ctx: GatewayContext,
    info: RequestInfo,
    req: IncomingMessage,
    res: ServerResponse,
    outgoing: Outgoing,
    candidates: readonly Candidate[],
    slab: Buffer | null,
    proceed: Proceed,
    reject: Reject,
    policy: number,
    key: string,
    tokens: number,
    deadline: number,
    onClose: (waiter: Waiter) => void,
  ) {
    this.ctx = ctx
    this.info = info
    this.req = req
    this.res = res
    this.outgoing = outgoing
    this.candidates = candidates
    this.slab = slab
    this.proceed = proceed
    this.reject = reject
    this.policy = policy
    this.key = key
    this.tokens = tokens
    this.deadline = deadline
    this.bucket = bucketId(policy, key)
    this.onClose = () => onClose(this)
    res.on('close', this.onClose)
  }

  /** Stops watching the client (it is admitted or answered). */
  finish(): void {
    this.done = true
    this.res.off('close', this.onClose)
  }

  /** Returns the body's pooled slab (the request will not go upstream). */
  releaseSlab(): void {
    if (this.slab !== null) {
      this.ctx.bufferPool.release(this.slab)
      this.slab = null
    }
  }
}

/** The name of one (policy, key) bucket pair in the queue's bookkeeping. */
export function bucketId(policy: number, key: string): string {
  return `${policy} ${key}`
}

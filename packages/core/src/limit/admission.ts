/**
 * The admission queue: requests whose bucket is empty wait here, in arrival order, until their
 * bucket refills or their deadline passes. A preallocated JS ring (bench/queue/ring-queue.ts: 16 ns a hand-off in
 * one thread, against 118 ns for the SharedArrayBuffer ring) whose length is a power of two, so
 * `index & mask` is the slot and the head and tail are plain free-running counters.
 *
 * One timer serves the whole queue: it fires when the earliest waiter can be tried again or the
 * oldest one's deadline passes (every waiter waits the same maxWaitMs, so the oldest expires
 * first). A pass walks from the head. A waiter whose bucket is still empty blocks the waiters of the
 * same bucket behind it (each bucket is served in order), not those of other buckets: the pass goes
 * on past it, up to SCAN_LIMIT waiters and BLOCKED_LIMIT empty buckets, so one key's backlog does
 * not hold up the others.
 *
 * A waiter can leave from the middle (its client went away): its slot becomes a hole that the head
 * skips, and when holes fill the ring the live waiters are compacted (rare, O(depth)).
 *
 * With a store that answers asynchronously (Redis), a pass tries only the head, one call at a time
 * (`attempt` returns PENDING, and the store's answer comes back through `settle`).
 */

/** What the queue needs to know about a waiter. */
export interface Waiting {
  /** `performance.now()` after which the waiter is answered 429. */
  readonly deadline: number
  /** The bucket it waits for: waiters of one bucket are served in order. */
  readonly bucket: string
  /** Its ring index while queued, -1 otherwise (owned by the queue). */
  slot: number
}

export interface AdmissionHandler<W extends Waiting> {
  /**
   * Tries to take the waiter's tokens now: 0 when taken (the queue then calls `admitted`), else
   * the milliseconds until it is worth trying again, or PENDING when the answer will come to `settle`.
   */
  attempt(waiter: W): number
  /** The waiter got its tokens and left the queue. */
  admitted(waiter: W): void
  /** The waiter's deadline passed; it left the queue. */
  expired(waiter: W): void
}

/** `attempt` will answer later, through `settle`. */
export const PENDING = -1
/** Waiters a pass looks at after the first one that must wait. */
const SCAN_LIMIT = 256
/** Distinct empty buckets a pass skips before it stops. */
const BLOCKED_LIMIT = 16

export class AdmissionQueue<W extends Waiting> {
  /** Most waiters at once. */
  readonly depth: number
  readonly #handler: AdmissionHandler<W>
  readonly #sequential: boolean
  readonly #ring: Array<W | undefined>
  readonly #mask: number
  #head = 0
  #tail = 0
  #size = 0
  #timer: NodeJS.Timeout | undefined = undefined
  #timerAt = Number.POSITIVE_INFINITY
  /** A waiter whose asynchronous attempt is in flight (sequential mode). */
  #pending: W | undefined = undefined
  readonly #blocked: string[] = []
  readonly #onTimer = (): void => this.#pump()

  /**
   * @param depth most waiters at once (the ring is the next power of two).
   * @param sequential try only the head, one attempt at a time (for an asynchronous store).
   *
   * @example
   * const queue = new AdmissionQueue(16_384, { attempt, admitted, expired }, false)
   * if (!queue.push(waiter, retryMs)) reply503()
   */
  constructor(depth: number, handler: AdmissionHandler<W>, sequential: boolean) {
    this.depth = depth
    this.#handler = handler
    this.#sequential = sequential
    const length = 2 ** Math.ceil(Math.log2(Math.max(2, depth)))
    this.#ring = new Array<W | undefined>(length).fill(undefined)
    this.#mask = length - 1
  }

  /** Waiters in the queue. */
  get size(): number {
    return this.#size
  }

  /**
   * Queues `waiter`, to be tried again in `retryMs`. False when the queue holds `depth` waiters
   * already (the caller answers 503).
   */
  push(waiter: W, retryMs: number): boolean {
    if (this.#size >= this.depth) return false
    if (this.#tail - this.#head > this.#mask) this.#compact()
    waiter.slot = this.#tail
    this.#ring[this.#tail & this.#mask] = waiter
    this.#tail++
    this.#size++
    this.#arm(Math.min(performance.now() + retryMs, this.#firstDeadline()))
    return true
  }

  /** Takes a waiter out (its client left). Does nothing if it is not queued. */
  remove(waiter: W): void {
    if (waiter.slot < 0) return
    this.#take(waiter.slot)
    if (this.#size === 0) this.#disarm()
  }

  /** Tries the queue soon (tokens came back early: a refund). */
  kick(): void {
    if (this.#size > 0) this.#arm(performance.now())
  }

  /**
   * The answer to an attempt that returned PENDING: 0 when the tokens were taken, else the
   * milliseconds until the next try.
   */
  settle(waiter: W, retryMs: number): void {
    if (this.#pending === waiter) this.#pending = undefined
    if (waiter.slot >= 0) {
      if (retryMs === 0) {
        this.#take(waiter.slot)
        this.#handler.admitted(waiter)
        if (this.#size > 0) this.#arm(performance.now())
      } else {
        this.#arm(Math.min(performance.now() + retryMs, this.#firstDeadline()))
      }
    } else if (this.#size > 0) {
      this.#arm(performance.now()) // it left meanwhile: go on with the next one
    }
    if (this.#size === 0) this.#disarm()
  }

  /** Empties the queue, handing each waiter to `each` in order (at close). */
  drain(each: (waiter: W) => void): void {
    this.#disarm()
    while (this.#size > 0) {
      const waiter = this.#ring[this.#head & this.#mask]
      if (waiter === undefined) {
        this.#head++
        continue
      }
      this.#take(this.#head)
      each(waiter)
    }
  }

  #pump(): void {
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    if (this.#pending !== undefined) return
    const now = performance.now()
    const blocked = this.#blocked
    blocked.length = 0
    let wake = Number.POSITIVE_INFINITY
    let looked = 0
    for (let i = this.#head; i < this.#tail && looked < SCAN_LIMIT; i++) {
      const waiter = this.#ring[i & this.#mask]
      if (waiter === undefined) continue
      if (waiter.deadline <= now) {
        this.#take(i)
        this.#handler.expired(waiter)
        continue
      }
      if (blocked.length > 0) {
        looked++
        if (blocked.includes(waiter.bucket)) continue
      }
      const retryMs = this.#handler.attempt(waiter)
      if (retryMs === 0) {
        this.#take(i)
        this.#handler.admitted(waiter)
        continue
      }
      if (retryMs === PENDING) {
        this.#pending = waiter
        return
      }
      wake = Math.min(wake, now + retryMs)
      if (this.#sequential) break
      blocked.push(waiter.bucket)
      if (blocked.length >= BLOCKED_LIMIT) break
    }
    if (this.#size > 0) this.#arm(Math.min(wake, this.#firstDeadline()))
  }

  /** Deadline of the oldest waiter (the earliest: all wait the same time, in arrival order). */
  #firstDeadline(): number {
    for (let i = this.#head; i < this.#tail; i++) {
      const waiter = this.#ring[i & this.#mask]
      if (waiter !== undefined) return waiter.deadline
    }
    return Number.POSITIVE_INFINITY
  }

  #take(index: number): void {
    const waiter = this.#ring[index & this.#mask]
    if (waiter === undefined) return
    waiter.slot = -1
    this.#ring[index & this.#mask] = undefined
    this.#size--
    while (this.#head < this.#tail && this.#ring[this.#head & this.#mask] === undefined) this.#head++
    while (this.#tail > this.#head && this.#ring[(this.#tail - 1) & this.#mask] === undefined) this.#tail--
  }

  /** Moves the live waiters to the front of the ring, closing the holes (the ring is full of them). */
  #compact(): void {
    let to = this.#head
    for (let i = this.#head; i < this.#tail; i++) {
      const waiter = this.#ring[i & this.#mask]
      if (waiter === undefined) continue
      if (i !== to) {
        this.#ring[i & this.#mask] = undefined
        this.#ring[to & this.#mask] = waiter
        waiter.slot = to
      }
      to++
    }
    this.#tail = to
  }

  #arm(at: number): void {
    if (this.#pending !== undefined || at >= this.#timerAt) return
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timerAt = at
    this.#timer = setTimeout(this.#onTimer, Math.max(0, Math.ceil(at - performance.now())))
    this.#timer.unref()
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
  }
}

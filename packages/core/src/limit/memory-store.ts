/**
 * The in-process store: the bucket table (bucket-table.ts) in a SharedArrayBuffer, so the
 * gateways of several worker_threads that attach the same buffer share one set of limits.
 */
import { BucketTable } from './bucket-table.js'
import { nowMicros } from './clock.js'
import { hashHi, hashKey } from './key-hash.js'
import { S_REQUESTS, S_TOKENS } from './layout.js'
import type { LimitPolicy } from './limit-options.js'
import { type AcquireResult, emptyResult, type LimitStore, type StoreStats } from './store.js'
import { adjust, refill, take, tokens, waitUs } from './token-bucket.js'

export class MemoryStore implements LimitStore {
  readonly sync = true
  readonly table: BucketTable
  readonly #policies: readonly LimitPolicy[]
  /** Reused by every acquire (the caller reads it before the next one). */
  readonly #out: AcquireResult = emptyResult()
  /**
   * Fingerprints of recent keys ([lo, hi]): hashing a 36-character key costs about 100 ns, a Map
   * lookup of the same string object about 30 (V8 caches a string's own hash). Bounded: cleared
   * when it holds as many keys as the table.
   */
  readonly #fingerprints = new Map<string, [number, number]>()
  readonly #maxFingerprints: number

  constructor(policies: readonly LimitPolicy[], buffer: SharedArrayBuffer) {
    this.#policies = policies
    this.table = BucketTable.attach(buffer, policies)
    this.#maxFingerprints = this.table.slots
  }

  /** The key's [lo, hi] fingerprint. */
  #fingerprint(key: string): [number, number] {
    let f = this.#fingerprints.get(key)
    if (f === undefined) {
      f = [hashKey(key), hashHi]
      if (this.#fingerprints.size >= this.#maxFingerprints) this.#fingerprints.clear()
      this.#fingerprints.set(key, f)
    }
    return f
  }

  acquire(policy: number, key: string, requests: number, wanted: number): AcquireResult {
    const p = this.#policies[policy]!
    const [lo, hi] = this.#fingerprint(key)
    const now = nowMicros()
    const table = this.table
    const a = table.int32
    const out = this.#out
    for (;;) {
      const base = table.slotFor(lo, hi, policy, now)
      const version = table.version
      const rq = base + S_REQUESTS
      const tk = base + S_TOKENS
      refill(a, rq, p.requests, now)
      if (p.tokens !== undefined) refill(a, tk, p.tokens, now)
      let limitedBy: AcquireResult['limitedBy']
      if (!take(a, rq, requests)) limitedBy = 'requests'
      else if (p.tokens !== undefined && !take(a, tk, wanted)) {
        adjust(a, rq, p.requests, requests, now) // give the request back: both or neither
        limitedBy = 'tokens'
      }
      // The slot went to another key while we worked: what we took was that key's (an under-grant
      // for it, never an over-grant); take ours from our own slot.
      if (!table.owns(base, version)) continue
      out.granted = limitedBy === undefined
      out.limitedBy = limitedBy
      out.requestsRemaining = tokens(a, rq)
      out.requestsResetUs = waitUs(a, rq, p.requests, p.requests.capacity, now)
      out.retryAfterUs = limitedBy === undefined ? 0 : waitUs(a, rq, p.requests, requests, now)
      if (p.tokens !== undefined) {
        out.tokensRemaining = tokens(a, tk)
        out.tokensResetUs = waitUs(a, tk, p.tokens, p.tokens.capacity, now)
        if (limitedBy !== undefined)
          out.retryAfterUs = Math.max(out.retryAfterUs, waitUs(a, tk, p.tokens, wanted, now))
      }
      return out
    }
  }

  /** What `acquire` would answer, taking nothing (refill still credits elapsed time). */
  peek(policy: number, key: string, requests: number, wanted: number): AcquireResult {
    const p = this.#policies[policy]!
    const [lo, hi] = this.#fingerprint(key)
    const now = nowMicros()
    const table = this.table
    const a = table.int32
    const out = this.#out
    for (;;) {
      const base = table.slotFor(lo, hi, policy, now)
      const version = table.version
      const rq = base + S_REQUESTS
      const tk = base + S_TOKENS
      refill(a, rq, p.requests, now)
      const requestsWait = waitUs(a, rq, p.requests, requests, now)
      out.requestsRemaining = tokens(a, rq)
      out.requestsResetUs = waitUs(a, rq, p.requests, p.requests.capacity, now)
      let tokensWait = 0
      if (p.tokens !== undefined) {
        refill(a, tk, p.tokens, now)
        tokensWait = waitUs(a, tk, p.tokens, wanted, now)
        out.tokensRemaining = tokens(a, tk)
        out.tokensResetUs = waitUs(a, tk, p.tokens, p.tokens.capacity, now)
      }
      if (!table.owns(base, version)) continue
      out.granted = requestsWait === 0 && tokensWait === 0
      out.limitedBy = requestsWait > 0 ? 'requests' : tokensWait > 0 ? 'tokens' : undefined
      out.retryAfterUs = Math.max(requestsWait, tokensWait)
      return out
    }
  }

  adjust(policy: number, key: string, requests: number, wanted: number): void {
    const p = this.#policies[policy]!
    const [lo, hi] = this.#fingerprint(key)
    const now = nowMicros()
    const table = this.table
    for (;;) {
      const base = table.slotFor(lo, hi, policy, now)
      const version = table.version
      if (requests !== 0) adjust(table.int32, base + S_REQUESTS, p.requests, requests, now)
      if (wanted !== 0 && p.tokens !== undefined) adjust(table.int32, base + S_TOKENS, p.tokens, wanted, now)
      if (table.owns(base, version)) return
    }
  }

  stats(): StoreStats {
    const { keys, evictedActive } = this.table.stats()
    return { keys, evictedActive }
  }

  async close(): Promise<void> {}
}

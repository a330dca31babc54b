/**
 * The per-key bucket table: open addressing with linear probing over one SharedArrayBuffer, so
 * a key costs no allocation per request and every worker_thread attached to the buffer finds the
 * same key in the same slot. Each slot holds one (key, policy): its requests bucket and its tokens
 * bucket (layout.ts).
 *
 * Concurrency. Finding a key never locks: a reader notes the slot's VERSION, works on the buckets,
 * then checks VERSION again (`owns()`); if the slot changed key meanwhile, it looks again. Changing a
 * slot's key (insert, evict) takes the table's LOCK and makes VERSION odd while it writes. A reader
 * whose work landed on a slot just given to another key has at worst taken tokens from that key's
 * fresh bucket: an under-grant, never an over-grant.
 *
 * Capacity. The table has twice `maxKeys` slots, rounded up to a power of two (so `hash & mask` is
 * the home slot and probe runs stay short at a load factor of 1/2 or less). A key lives within
 * PROBE_LIMIT slots of its home and stays until its slot is needed: a key never leaves a slot
 * empty, so lookups need no tombstones. When the new key's window is full, or the table holds
 * maxKeys, the new key takes the slot of a key of its window whose buckets have refilled
 * (forgetting it changes nothing), or else of the key nearest to full (counted as `evictedActive`:
 * that key may burst again; size maxKeys above the keys active within a refill time).
 */
import { nowMicros } from './clock.js'
import {
  EMPTY,
  LIVE,
  S_HASH_HI,
  S_HASH_LO,
  S_POLICY,
  S_REQUESTS,
  S_STATE,
  S_TOKENS,
  S_VERSION,
  SLOT_INT32S,
  T_EVICTED,
  T_EVICTED_ACTIVE,
  T_LIVE,
  T_LOCK,
  T_MAX_KEYS,
  T_SLOTS,
  TABLE_HEADER_INT32S,
} from './layout.js'
import { type BucketSpec, deficit, initBucket } from './token-bucket.js'

/** The buckets of one policy: requests always, tokens when the policy limits tokens. */
export interface PolicyBuckets {
  readonly requests: BucketSpec
  readonly tokens: BucketSpec | undefined
}

/** Slots probed from a key's home before the table counts as full for that key. */
export const PROBE_LIMIT = 32
/** Spins on LOCK before sleeping on it (inserts are short: a sleep is the rare case). */
const LOCK_SPINS = 64

export interface BucketTableStats {
  /** Keys in the table. */
  keys: number
  /** Keys evicted because their buckets had refilled. */
  evicted: number
  /** Keys evicted while not full because the table was full. */
  evictedActive: number
}

export class BucketTable {
  readonly buffer: SharedArrayBuffer
  /** The whole buffer; buckets are at `slotFor()` + S_REQUESTS / S_TOKENS. */
  readonly int32: Int32Array
  readonly slots: number
  /** VERSION of the slot the last `slotFor()` returned, for `owns()`. */
  version = 0
  readonly #mask: number
  readonly #policies: readonly PolicyBuckets[]

  private constructor(buffer: SharedArrayBuffer, policies: readonly PolicyBuckets[]) {
    this.buffer = buffer
    this.int32 = new Int32Array(buffer)
    this.slots = Atomics.load(this.int32, T_SLOTS)
    this.#mask = this.slots - 1
    this.#policies = policies
  }

  /** The buffer for a table of `maxKeys` keys (2 x maxKeys slots of 64 bytes, power of two). */
  static allocate(maxKeys: number): SharedArrayBuffer {
    if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > 2 ** 24) {
      throw new RangeError('maxKeys must be an integer from 1 to 2^24')
    }
    const slots = Math.max(PROBE_LIMIT, 2 ** Math.ceil(Math.log2(maxKeys * 2)))
    const buffer = new SharedArrayBuffer((TABLE_HEADER_INT32S + slots * SLOT_INT32S) * 4)
    const header = new Int32Array(buffer, 0, TABLE_HEADER_INT32S)
    header[T_SLOTS] = slots
    header[T_MAX_KEYS] = maxKeys
    return buffer
  }

  /**
   * A table over `buffer` (from `allocate()`, possibly made by another thread). Every thread must
   * pass the same policies in the same order: a slot names its policy by index.
   *
   * @example
   * const buffer = BucketTable.allocate(16_384)
   * const table = BucketTable.attach(buffer, [{ requests: bucketSpec(600, 20), tokens: undefined }])
   * new Worker(file, { workerData: buffer }) // the worker attaches the same buffer
   */
  static attach(buffer: SharedArrayBuffer, policies: readonly PolicyBuckets[]): BucketTable {
    if (!(buffer instanceof SharedArrayBuffer) || buffer.byteLength < TABLE_HEADER_INT32S * 4) {
      throw new TypeError('buffer must be a SharedArrayBuffer from BucketTable.allocate()')
    }
    const slots = new Int32Array(buffer, 0, TABLE_HEADER_INT32S)[T_SLOTS]!
    if (
      slots < 1 ||
      (slots & (slots - 1)) !== 0 ||
      buffer.byteLength !== (TABLE_HEADER_INT32S + slots * SLOT_INT32S) * 4
    ) {
      throw new TypeError('buffer must be a SharedArrayBuffer from BucketTable.allocate()')
    }
    return new BucketTable(buffer, policies)
  }

  /**
   * The base index (in `int32`) of the slot for the key whose fingerprint is `lo`/`hi` under
   * `policy`, inserting full buckets when the key is new. Sets `version`: after working on the
   * buckets, call `owns(base, version)`, and look again if it says no.
   */
  slotFor(lo: number, hi: number, policy: number, nowUs: number = nowMicros()): number {
    const a = this.int32
    const home = lo ^ Math.imul(policy, 0x9e3779b1)
    for (let i = 0; i < PROBE_LIMIT; i++) {
      const base = TABLE_HEADER_INT32S + ((home + i) & this.#mask) * SLOT_INT32S
      const version = Atomics.load(a, base + S_VERSION)
      if (version & 1) break // being rewritten: the locked path waits for it
      const state = Atomics.load(a, base + S_STATE)
      if (state === EMPTY) break
      if (
        state === LIVE &&
        Atomics.load(a, base + S_HASH_LO) === lo &&
        Atomics.load(a, base + S_HASH_HI) === hi &&
        Atomics.load(a, base + S_POLICY) === policy
      ) {
        this.version = version
        return base
      }
    }
    return this.#insert(lo, hi, policy, home, nowUs)
  }

  /** True while the slot at `base` still holds the key it held at `version`. */
  owns(base: number, version: number): boolean {
    return Atomics.load(this.int32, base + S_VERSION) === version
  }

  stats(): BucketTableStats {
    const a = this.int32
    return {
      keys: Atomics.load(a, T_LIVE),
      evicted: Atomics.load(a, T_EVICTED),
      evictedActive: Atomics.load(a, T_EVICTED_ACTIVE),
    }
  }

  #insert(lo: number, hi: number, policy: number, home: number, nowUs: number): number {
    const a = this.int32
    this.#lock()
    try {
      let free = -1
      for (let i = 0; i < PROBE_LIMIT; i++) {
        const base = TABLE_HEADER_INT32S + ((home + i) & this.#mask) * SLOT_INT32S
        const state = a[base + S_STATE]
        if (state === LIVE) {
          if (a[base + S_HASH_LO] === lo && a[base + S_HASH_HI] === hi && a[base + S_POLICY] === policy) {
            this.version = a[base + S_VERSION]! // another thread inserted it first
            return base
          }
        } else if (free === -1) {
          free = base
        }
        if (state === EMPTY) break
      }
      if (free !== -1 && a[T_LIVE]! < a[T_MAX_KEYS]!) {
        Atomics.add(a, T_LIVE, 1)
        return this.#write(free, lo, hi, policy, nowUs)
      }
      // No room in the window, or the table holds maxKeys: the new key takes the place of a key of
      // its window, one that has refilled if there is one.
      const victim = this.#pick(home, nowUs)
      if (victim === -1) {
        // The window holds no key at all (the keys are elsewhere): over maxKeys, within the slots.
        Atomics.add(a, T_LIVE, 1)
        return this.#write(free, lo, hi, policy, nowUs)
      }
      Atomics.add(a, this.#deficit(victim, nowUs) === 0 ? T_EVICTED : T_EVICTED_ACTIVE, 1)
      return this.#write(victim, lo, hi, policy, nowUs)
    } finally {
      this.#unlock()
    }
  }

  /** The live slot of the window nearest to full (a full one at once), or -1 if none is live. */
  #pick(home: number, nowUs: number): number {
    const a = this.int32
    let best = -1
    let bestDeficit = Number.POSITIVE_INFINITY
    for (let i = 0; i < PROBE_LIMIT; i++) {
      const base = TABLE_HEADER_INT32S + ((home + i) & this.#mask) * SLOT_INT32S
      if (a[base + S_STATE] !== LIVE) continue
      const d = this.#deficit(base, nowUs)
      if (d === 0) return base
      if (d < bestDeficit) {
        best = base
        bestDeficit = d
      }
    }
    return best
  }

  /** Tokens both buckets of the slot lack to be full, as a fraction of their capacities (0: full). */
  #deficit(base: number, nowUs: number): number {
    const a = this.int32
    const policy = this.#policies[a[base + S_POLICY]!]
    if (policy === undefined) return 0 // a policy this thread does not know: nothing to keep
    let d = deficit(a, base + S_REQUESTS, policy.requests, nowUs) / policy.requests.capacity
    if (policy.tokens !== undefined) {
      d += deficit(a, base + S_TOKENS, policy.tokens, nowUs) / policy.tokens.capacity
    }
    return d
  }

  #write(base: number, lo: number, hi: number, policy: number, nowUs: number): number {
    const a = this.int32
    const spec = this.#policies[policy]!
    Atomics.add(a, base + S_VERSION, 1) // odd: readers keep off
    Atomics.store(a, base + S_HASH_LO, lo)
    Atomics.store(a, base + S_HASH_HI, hi)
    Atomics.store(a, base + S_POLICY, policy)
    initBucket(a, base + S_REQUESTS, spec.requests, nowUs)
    if (spec.tokens !== undefined) initBucket(a, base + S_TOKENS, spec.tokens, nowUs)
    Atomics.store(a, base + S_STATE, LIVE)
    this.version = Atomics.add(a, base + S_VERSION, 1) + 1 // even again
    return base
  }

  #lock(): void {
    const a = this.int32
    let spins = 0
    while (Atomics.compareExchange(a, T_LOCK, 0, 1) !== 0) {
      if (++spins > LOCK_SPINS) Atomics.wait(a, T_LOCK, 1, 1)
    }
  }

  #unlock(): void {
    Atomics.store(this.int32, T_LOCK, 0)
    Atomics.notify(this.int32, T_LOCK, 1)
  }
}

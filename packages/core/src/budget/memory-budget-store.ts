/**
 * The in-process budget store: a table of spend words in a SharedArrayBuffer (layout.ts), updated
 * only by compare-and-exchange, so gateways in several worker_threads that attach the same buffer
 * share one budget per key without a lock. A reservation over two levels (key, group) takes each
 * in turn and gives back what it took if a later level refuses.
 */
import { hashHi, hashKey } from '../limit/key-hash.js'
import type { BudgetLevel, BudgetResult, BudgetStore, BudgetStoreStats } from './budget-store.js'
import {
  budgetBufferBytes,
  H_LIVE,
  H_MAX_KEYS,
  H_SLOTS,
  H_UNTRACKED,
  HEADER_BYTES,
  MAX_PROBES,
  PERIOD_BITS,
  PERIOD_MASK,
  S_HASH,
  S_WORD,
  SLOT_U64S,
  SPEND_BITS,
  SPEND_MASK,
  slotsFor,
} from './layout.js'

/**
 * A zeroed table for `maxKeys` levels, to hand to every worker_thread's gateway
 * (`budget: { store: { buffer } }`).
 *
 * @example
 * const buffer = createBudgetBuffer(65_536)
 */
export function createBudgetBuffer(maxKeys: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(budgetBufferBytes(maxKeys))
  const header = new Int32Array(buffer, 0, HEADER_BYTES / 4)
  header[H_SLOTS] = slotsFor(maxKeys)
  header[H_MAX_KEYS] = maxKeys
  return buffer
}

function fingerprint(id: string): bigint {
  const lo = hashKey(id)
  const f = (BigInt(hashHi >>> 0) << 32n) | BigInt(lo >>> 0)
  return f === 0n ? 1n : f // 0 marks an empty slot
}

export class MemoryBudgetStore implements BudgetStore {
  readonly sync = true
  readonly #header: Int32Array
  readonly #slots: BigUint64Array
  readonly #mask: number
  /** Slot index of recent level ids (a hash costs more than a Map hit); bounded like the table. */
  readonly #known = new Map<string, number>()

  constructor(buffer: SharedArrayBuffer) {
    this.#header = new Int32Array(buffer, 0, HEADER_BYTES / 4)
    const slots = this.#header[H_SLOTS]!
    if (slots === 0 || buffer.byteLength !== HEADER_BYTES + slots * SLOT_U64S * 8) {
      throw new RangeError('MemoryBudgetStore: not a buffer from createBudgetBuffer()')
    }
    this.#slots = new BigUint64Array(buffer, HEADER_BYTES, slots * SLOT_U64S)
    this.#mask = slots - 1
  }

  /** Index of the level's WORD, or -1 when the table has no room for it. */
  #word(id: string): number {
    const known = this.#known.get(id)
    if (known !== undefined) return known
    const f = fingerprint(id)
    const s = this.#slots
    let slot = Number(f & BigInt(this.#mask))
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const at = slot * SLOT_U64S
      let hash = Atomics.load(s, at + S_HASH)
      if (hash === 0n) {
        if (Atomics.load(this.#header, H_LIVE) >= Atomics.load(this.#header, H_MAX_KEYS)) break
        hash = Atomics.compareExchange(s, at + S_HASH, 0n, f)
        if (hash === 0n) {
          Atomics.add(this.#header, H_LIVE, 1)
          hash = f
        }
      }
      if (hash === f) {
        if (this.#known.size >= this.#mask) this.#known.clear()
        this.#known.set(id, at + S_WORD)
        return at + S_WORD
      }
      slot = (slot + 1) & this.#mask
    }
    Atomics.add(this.#header, H_UNTRACKED, 1)
    return -1
  }

  reserve(levels: readonly BudgetLevel[], micros: number): BudgetResult {
    const n = BigInt(micros)
    let remaining = Number.POSITIVE_INFINITY
    let resetAtMs = 0
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!
      const at = this.#word(level.id)
      if (at === -1) continue // untracked: admitted
      const tag = BigInt(level.period) & PERIOD_MASK
      const limit = BigInt(level.limitMicros)
      for (;;) {
        const word = Atomics.load(this.#slots, at)
        const spent = word >> SPEND_BITS === tag ? word & SPEND_MASK : 0n
        if (spent >= limit || spent + n > limit) {
          for (let j = 0; j < i; j++) this.#add(levels[j]!, -micros)
          return {
            granted: false,
            refusedBy: i,
            remainingMicros: Number(limit - spent),
            resetAtMs: level.endsAtMs,
          }
        }
        if (Atomics.compareExchange(this.#slots, at, word, (tag << SPEND_BITS) | (spent + n)) === word) {
          const left = Number(limit - spent - n)
          if (left < remaining) {
            remaining = left
            resetAtMs = level.endsAtMs
          }
          break
        }
      }
    }
    if (remaining === Number.POSITIVE_INFINITY) remaining = 0
    return { granted: true, refusedBy: -1, remainingMicros: remaining, resetAtMs }
  }

  adjust(levels: readonly BudgetLevel[], micros: number): void {
    if (micros === 0) return
    for (const level of levels) this.#add(level, micros)
  }

  /** Adds `micros` to the level's spend if its period is still the one given (else it is a new budget). */
  #add(level: BudgetLevel, micros: number): void {
    const at = this.#word(level.id)
    if (at === -1) return
    const tag = BigInt(level.period) & PERIOD_MASK
    for (;;) {
      const word = Atomics.load(this.#slots, at)
      if (word >> SPEND_BITS !== tag) return
      let spent = (word & SPEND_MASK) + BigInt(micros)
      if (spent < 0n) spent = 0n
      if (spent > SPEND_MASK) spent = SPEND_MASK
      if (Atomics.compareExchange(this.#slots, at, word, (tag << SPEND_BITS) | spent) === word) return
    }
  }

  /** Spend recorded for a level in its period, in millionths (for stats and tests). */
  spentMicros(level: BudgetLevel): number {
    const at = this.#word(level.id)
    if (at === -1) return 0
    const word = Atomics.load(this.#slots, at)
    return word >> SPEND_BITS === (BigInt(level.period) & PERIOD_MASK) ? Number(word & SPEND_MASK) : 0
  }

  stats(): BudgetStoreStats {
    return { keys: Atomics.load(this.#header, H_LIVE), untracked: Atomics.load(this.#header, H_UNTRACKED) }
  }

  async close(): Promise<void> {}
}

// PERIOD_BITS + SPEND_BITS must fill the 64-bit word exactly (a check at load, not per call).
if (PERIOD_BITS + SPEND_BITS !== 64n) throw new Error('budget layout: the word is not 64 bits')

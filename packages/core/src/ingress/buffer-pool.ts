/**
 * Reusable slabs for request bodies (the Rust Velox gateway's per-worker arena, in Node form).
 *
 * Size classes are powers of two from 4 KiB up to the largest body allowed. A body under 4 KiB,
 * or one that arrives in a single chunk, never comes here: copying it would cost more than it
 * saves (bench/ingress/buffer-pool.ts, bench/RESULTS.md: no gain at 512 B). A slab is handed back only when the upstream has consumed it
 * and no retry can still need it; the reader only ever forwards `slab.subarray(0, length)`, so
 * stale bytes from an earlier request can never leave the process.
 *
 * Slabs from `sharedFromBytes` up are SharedArrayBuffer memory, so the offload worker can scan a
 * large body in place; `onDiscard` tells the offload when such a slab leaves the pool for good.
 * With an `arena` (wasm-arena.ts), new slabs come from its shared WebAssembly memory, where the
 * SIMD scanner reads them in place; one the pool does not keep goes back to the arena, except one
 * given back with releaseWithoutReuse: that one waits in quarantine (slab-quarantine.ts) until the
 * body view that was sent is collected, and only then goes back to the arena.
 */

import { canHold, SlabQuarantine } from './slab-quarantine.js'
import type { WasmMemory } from './wasm-api.js'

export const MIN_SLAB_BYTES = 4 * 1024 // 4 KiB: below this a copy into a fresh Buffer is cheaper

export interface BufferPoolStats {
  /** Slabs handed out since start. */
  acquired: number
  /** Slabs given back since start. */
  released: number
  /** Slabs out right now (acquired - released). */
  inUse: number
  /** Slabs allocated because no free one of the class was there. */
  allocated: number
  /** Slabs given back but not kept for reuse (over the idle budget, or possibly still being written). */
  dropped: number
  /**
   * Arena slabs among those dropped that may still be being written, waiting now for the body that
   * was sent to be collected; each then goes back to the arena.
   */
  quarantined: number
  /** Slabs idle in the pool now, and their bytes. */
  free: number
  freeBytes: number
}

export interface BufferPoolOptions {
  /** Idle slab bytes kept at most, all classes together; slabs beyond are left to the GC. */
  maxFreeBytes?: number
  /** Slabs of this size and up are allocated from SharedArrayBuffer memory (default: none). */
  sharedFromBytes?: number
  /** Where new slabs come from (ordinary memory when it has no room, or without it). */
  arena?: SlabArena
}

/** What the pool needs of an arena (ingress/wasm-arena.ts). */
export interface SlabArena {
  allocate(size: number): Buffer | undefined
  free(slab: Buffer): void
  contains(buf: Uint8Array): boolean
  /** The shared WebAssembly memory the slabs lie in: the offload worker runs the SIMD scanner over it. */
  readonly memory?: WasmMemory
}

export class BufferPool {
  readonly #classes: Buffer[][]
  readonly #maxFreeBytes: number
  readonly #sharedFromBytes: number
  readonly #minShift: number
  readonly #arena: SlabArena | undefined
  /** Where arena slabs given back with releaseWithoutReuse wait; undefined without an arena. */
  readonly #quarantine: SlabQuarantine | undefined
  #acquired = 0
  #released = 0
  #allocated = 0
  #dropped = 0
  #freeBytes = 0
  /** Called with each slab the pool lets go of (not kept as free); set by the offload. */
  onDiscard: ((slab: Buffer) => void) | null = null

  /**
   * @param maxBytes the largest slab ever needed (the gateway's maxBodyBytes)
   *
   * @example
   * const pool = new BufferPool(32 * 1024 * 1024)
   * const slab = pool.acquire(10_000) // 16 KiB
   * pool.release(slab)
   */
  constructor(maxBytes: number, options: BufferPoolOptions = {}) {
    this.#minShift = Math.log2(MIN_SLAB_BYTES)
    const classes = Math.max(1, Math.ceil(Math.log2(Math.max(maxBytes, MIN_SLAB_BYTES))) - this.#minShift + 1)
    this.#classes = Array.from({ length: classes }, () => [])
    this.#maxFreeBytes = options.maxFreeBytes ?? 64 * 1024 * 1024 // 64 MiB idle at most
    this.#sharedFromBytes = options.sharedFromBytes ?? Number.POSITIVE_INFINITY
    const arena = options.arena
    this.#arena = arena
    this.#quarantine = arena && new SlabQuarantine((slab) => arena.free(slab))
  }

  /** Where new slabs come from, when not from ordinary memory (the offload scans its slabs with SIMD). */
  get arena(): SlabArena | undefined {
    return this.#arena
  }

  /** The size class index for `bytes` (0 = 4 KiB). */
  #classOf(bytes: number): number {
    if (bytes <= MIN_SLAB_BYTES) return 0
    return 32 - Math.clz32(bytes - 1) - this.#minShift
  }

  /** A slab of at least `bytes` bytes. Its content is whatever the last user left: write before reading. */
  acquire(bytes: number): Buffer {
    const index = this.#classOf(bytes)
    this.#acquired++
    const free = this.#classes[index]
    if (free !== undefined && free.length > 0) {
      const slab = free.pop()!
      this.#freeBytes -= slab.length
      return slab
    }
    this.#allocated++
    const size = 2 ** (index + this.#minShift)
    const fromArena = this.#arena?.allocate(size)
    if (fromArena !== undefined) return fromArena
    // allocUnsafeSlow: a slab of its own, never a slice of Node's shared 8 KiB pool.
    return size >= this.#sharedFromBytes
      ? Buffer.from(new SharedArrayBuffer(size))
      : Buffer.allocUnsafeSlow(size)
  }

  /** Gives a slab back. Call exactly once per acquire, when nothing reads it any more. */
  release(slab: Buffer): void {
    this.#released++
    const free = this.#classes[this.#classOf(slab.length)]
    if (free === undefined || this.#freeBytes + slab.length > this.#maxFreeBytes) {
      // Not kept: an arena slab goes back to the arena (nothing reads it now), others to the GC.
      this.#dropped++
      if (this.#arena?.contains(slab)) return this.#arena.free(slab)
      return this.onDiscard?.(slab)
    }
    free.push(slab)
    this.#freeBytes += slab.length
  }

  /**
   * Gives a slab back without reusing it: for a slab a socket may still be reading from (an
   * upstream that answered before taking the whole body). `sent` is the body object that was
   * written (a view over the slab). An ordinary slab goes to the GC, which frees it only once no
   * pending write holds it. An arena slab waits in quarantine until `sent` is collected, then goes
   * back to the arena: its memory is never handed out while a write may still read it.
   */
  releaseWithoutReuse(slab: Buffer, sent: Uint8Array | null): void {
    this.#released++
    this.#dropped++
    if (this.#arena?.contains(slab)) {
      // An arena slab's memory is the arena's for good (and shared by every other arena slab, some
      // maybe being scanned by the offload worker right now): there is nothing for the offload to forget.
      // Without a view to wait for, it cannot be proven free: it stays out of use for good.
      if (sent !== null && canHold(slab, sent)) this.#quarantine!.hold(slab, sent)
      return
    }
    this.onDiscard?.(slab)
  }

  stats(): BufferPoolStats {
    let free = 0
    for (const list of this.#classes) free += list.length
    return {
      acquired: this.#acquired,
      released: this.#released,
      inUse: this.#acquired - this.#released,
      allocated: this.#allocated,
      dropped: this.#dropped,
      quarantined: this.#quarantine?.held ?? 0,
      free,
      freeBytes: this.#freeBytes,
    }
  }
}

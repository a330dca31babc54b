/**
 * The arena: request-body slabs carved out of one shared `WebAssembly.Memory`, so the SIMD field
 * scanner (json/simd/) reads a body where it already lies, with no copy. Shared memory matters
 * twice: it never detaches when it grows (a slab handed out before a grow stays valid), and its
 * buffer is a SharedArrayBuffer, so the offload worker can read the same slabs.
 *
 * WebAssembly memory never shrinks, so the arena keeps what it hands back: a freed slab goes to a
 * free list for its exact size and is the next one given out for that size. The arena only
 * allocates; which slabs to keep idle and when one may be reused are the buffer pool's rules
 * (ingress/buffer-pool.ts). When `maxBytes` is reached `allocate` returns undefined and the caller
 * uses ordinary memory. Every slab starts on a 64-byte boundary (one SIMD block).
 */

import { MemoryBuffers } from './memory-buffers.js'
import { type WasmMemory, wasmApi } from './wasm-api.js'

const PAGE = 64 * 1024 // bytes in a WebAssembly page
const ALIGN = 64 // one stage-1 block

export interface WasmArenaOptions {
  /** Bytes reserved at creation (rounded up to 64 KiB pages). Default 1 MiB. */
  initialBytes?: number
  /** Bytes the memory may grow to, all slabs together (rounded up to pages, at most 4 GiB). Default 256 MiB. */
  maxBytes?: number
}

export interface WasmArenaStats {
  /** Bytes of WebAssembly memory now (they are never returned to the system). */
  memoryBytes: number
  /** Slabs handed out and not freed, and their bytes. */
  inUse: number
  inUseBytes: number
  /** Freed slabs waiting for reuse, and their bytes. */
  free: number
  freeBytes: number
  /** Allocations refused because the memory is at maxBytes. */
  refused: number
}

export class WasmArena {
  readonly memory: WasmMemory
  readonly #maxPages: number
  /** Offset of the first byte never handed out. */
  #top = 0
  /** Free slab offsets by exact size. */
  readonly #free = new Map<number, number[]>()
  /** The buffer objects the memory has shown (each grow gives a new, longer one). */
  readonly #buffers: MemoryBuffers
  #inUse = 0
  #inUseBytes = 0
  #freeCount = 0
  #freeBytes = 0
  #refused = 0

  /**
   * @example
   * const arena = new WasmArena({ maxBytes: 64 * 1024 * 1024 })
   * const slab = arena.allocate(16 * 1024) // a Buffer over the shared memory
   * arena.free(slab!)
   */
  constructor(options: WasmArenaOptions = {}) {
    const initial = Math.max(1, Math.ceil((options.initialBytes ?? 1024 * 1024) / PAGE)) // 1 MiB
    this.#maxPages = Math.min(
      65_536,
      Math.max(initial, Math.ceil((options.maxBytes ?? 256 * 1024 * 1024) / PAGE)),
    )
    if (wasmApi === undefined) throw new Error('WebAssembly is not available in this runtime')
    this.memory = new wasmApi.Memory({ initial, maximum: this.#maxPages, shared: true })
    this.#buffers = new MemoryBuffers(this.memory)
  }

  /**
   * A slab of `size` bytes (rounded up to 64) inside the memory, or undefined when the memory may
   * not grow enough. Its content is whatever the last user left.
   */
  allocate(size: number): Buffer | undefined {
    const bytes = Math.ceil(Math.max(size, 1) / ALIGN) * ALIGN
    const list = this.#free.get(bytes)
    let offset = list?.pop()
    if (offset !== undefined) {
      this.#freeCount--
      this.#freeBytes -= bytes
    } else {
      offset = this.#reserve(bytes)
      if (offset === undefined) {
        this.#refused++
        return undefined
      }
    }
    this.#inUse++
    this.#inUseBytes += bytes
    return Buffer.from(this.#buffers.current(), offset, bytes)
  }

  /** Gives a slab from `allocate` back for reuse. Call once, when nothing reads or writes it any more. */
  free(slab: Buffer): void {
    const bytes = slab.length
    let list = this.#free.get(bytes)
    if (list === undefined) {
      list = []
      this.#free.set(bytes, list)
    }
    list.push(slab.byteOffset)
    this.#inUse--
    this.#inUseBytes -= bytes
    this.#freeCount++
    this.#freeBytes += bytes
  }

  /** The bytes of `buf` lie in this arena's memory (a slab, or a view into one). */
  contains(buf: Uint8Array): boolean {
    return this.#buffers.contains(buf)
  }

  stats(): WasmArenaStats {
    return {
      memoryBytes: this.memory.buffer.byteLength,
      inUse: this.#inUse,
      inUseBytes: this.#inUseBytes,
      free: this.#freeCount,
      freeBytes: this.#freeBytes,
      refused: this.#refused,
    }
  }

  /** Moves the top up by `bytes`, growing the memory (at least doubling) when needed. */
  #reserve(bytes: number): number | undefined {
    const offset = this.#top
    const end = offset + bytes
    const have = this.memory.buffer.byteLength
    if (end > have) {
      const pages = this.memory.buffer.byteLength / PAGE
      const need = Math.ceil(end / PAGE)
      if (need > this.#maxPages) return undefined
      this.memory.grow(Math.min(this.#maxPages, Math.max(need, pages * 2)) - pages)
    }
    this.#top = end
    return offset
  }
}

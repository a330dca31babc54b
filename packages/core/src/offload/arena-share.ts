/**
 * The buffer pool's arena (ingress/wasm-arena.ts), shared with the offload worker so it scans arena
 * slabs in place with the SIMD scanner, as the main thread does. Both sides are here, as in
 * layout.ts, so they cannot disagree: the main thread carves the worker's own offset window and
 * 64-byte stage-1 scratch out of the arena (stage 1 keeps its state in its instance's globals and
 * writes into both, so a thread never shares them) and posts the memory and the compiled module in
 * workerData (a shared WebAssembly.Memory and a WebAssembly.Module both clone to a worker); the
 * worker instantiates stage 1 over that memory. The arena's bookkeeping (which slabs are handed
 * out) stays on the main thread: the worker never allocates.
 */
import type { SlabArena } from '../ingress/buffer-pool.js'
import { MemoryBuffers } from '../ingress/memory-buffers.js'
import type { WasmMemory } from '../ingress/wasm-api.js'
import { instantiateStage1, stage1Module } from '../json/simd/stage1-module.js'
import { SCRATCH_BYTES, SimdScanner, WINDOW_BYTES } from '../json/simd/walk-fields.js'

/** What the worker is given of the arena (in ScanWorkerData). */
export interface ArenaShare {
  memory: WasmMemory
  /** The stage-1 module the main thread compiled: from dist/offload/ the worker would not find the .wasm. */
  module: object
  /** The worker's own offset window (WINDOW_BYTES) and scratch (SCRATCH_BYTES), as offsets in the memory. */
  windowAt: number
  scratchAt: number
}

/** The share, the arena it is of, and the two slabs carved for it (freed once the worker has exited). */
export interface CarvedShare {
  share: ArenaShare
  arena: SlabArena
  slabs: Buffer[]
}

/**
 * Carves the worker's window and scratch out of `arena`. Null where the worker cannot run SIMD on
 * it: no arena, or an arena without a WebAssembly memory, no stage-1 module (not built, or no
 * SIMD128 in this runtime), or no room left in the arena.
 */
export function carveShare(arena: SlabArena | undefined): CarvedShare | null {
  const memory = arena?.memory
  const module = stage1Module()
  if (arena === undefined || memory === undefined || module === null) return null
  const window = arena.allocate(WINDOW_BYTES)
  const scratch = arena.allocate(SCRATCH_BYTES)
  if (window === undefined || scratch === undefined) {
    if (window !== undefined) arena.free(window)
    if (scratch !== undefined) arena.free(scratch)
    return null
  }
  return {
    share: { memory, module, windowAt: window.byteOffset, scratchAt: scratch.byteOffset },
    arena,
    slabs: [window, scratch],
  }
}

/** The worker's side: arena bodies as Buffers over the shared memory, and a SIMD scanner of its own. */
export class ArenaView {
  /** The buffer objects the memory has shown here (each grow on the main thread gives a longer one). */
  readonly #buffers: MemoryBuffers
  /** Undefined when stage 1 cannot be instantiated here: arena bodies then get the JS scanner. */
  readonly simd: SimdScanner | undefined

  constructor(share: ArenaShare) {
    this.#buffers = new MemoryBuffers(share.memory)
    this.simd = undefined
    try {
      const wasm = instantiateStage1(share.memory, share.module)
      if (wasm !== null) {
        const window = Buffer.from(this.#buffers.current(), share.windowAt, WINDOW_BYTES)
        const scratch = Buffer.from(this.#buffers.current(), share.scratchAt, SCRATCH_BYTES)
        this.simd = new SimdScanner(this, wasm, window, scratch)
      }
    } catch {
      this.simd = undefined
    }
  }

  /** The arena body at `offset` (unsigned: the memory may reach 4 GiB) and `length`, in place. */
  body(offset: number, length: number): Buffer {
    return Buffer.from(this.#buffers.current(), offset, length)
  }

  /** Never room: the worker only scans bodies where they lie (SimdScanner then reports false). */
  allocate(_size: number): undefined {
    return undefined
  }

  free(_slab: Buffer): void {}

  contains(buf: Uint8Array): boolean {
    return this.#buffers.contains(buf)
  }
}

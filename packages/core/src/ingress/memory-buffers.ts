/**
 * The buffer objects a shared WebAssembly memory has shown. A grow never detaches shared memory:
 * `memory.buffer` becomes a new, longer SharedArrayBuffer, and Buffers made over an older one stay
 * valid. So "does this Buffer lie in the memory" is "is its buffer one of those seen". The arena
 * (wasm-arena.ts) and the offload worker's view of it (offload/arena-share.ts) both ask.
 */
import type { WasmMemory } from './wasm-api.js'

export class MemoryBuffers {
  readonly #memory: WasmMemory
  readonly #seen: ArrayBufferLike[] = []

  constructor(memory: WasmMemory) {
    this.#memory = memory
    this.current()
  }

  /** The memory's buffer now (noted, if it is new since the last call). */
  current(): ArrayBufferLike {
    const buffer = this.#memory.buffer
    if (this.#seen[this.#seen.length - 1] !== buffer) this.#seen.push(buffer)
    return buffer
  }

  /** The bytes of `buf` lie in the memory (a view over a buffer seen here). */
  contains(buf: Uint8Array): boolean {
    return this.#seen.includes(buf.buffer)
  }
}

/**
 * The few WebAssembly JS API types the arena and the stage-1 loader use. The project compiles
 * against ES2023 and @types/node 20, neither of which declares the `WebAssembly` global (it lives
 * in TypeScript's DOM library, which a Node package should not pull in), so they are stated here,
 * as narrowly as the two callers need them.
 */

export interface WasmMemory {
  /** A SharedArrayBuffer for shared memory: never detached by grow, replaced by a longer one. */
  readonly buffer: ArrayBufferLike
  grow(pages: number): number
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: unknown }
  validate(bytes: Uint8Array): boolean
}

/** The runtime's WebAssembly object, or undefined where there is none. */
export const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly

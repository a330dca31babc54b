/**
 * Finds, checks and compiles the stage-1 WebAssembly module (assembly/stage1.ts, built into
 * dist/json/simd/stage1.wasm by `pnpm build`), synchronously, once per process. It runs in two
 * layouts: bundled into dist/index.{js,cjs} (the .wasm sits at ./json/simd/ from there) and from
 * src/json/simd/ under vitest or tsx (the .wasm is in the package's dist/). A runtime without
 * WebAssembly SIMD128 fails `WebAssembly.validate`; then, as when the file is missing, this returns
 * null and the gateway keeps the JavaScript scanner.
 */
import { existsSync, readFileSync } from 'node:fs'
import { type WasmMemory, wasmApi } from '../../ingress/wasm-api.js'

/** The module's exports (assembly/stage1.ts). */
export interface Stage1 {
  begin(ptr: number, len: number, scratch: number): void
  next(out: number, capacity: number): number
  done(): number
  badEscapeAt(): number
  badEscapeKind(): number
}

const WHERE = [
  './json/simd/stage1.wasm', // from dist/index.js or dist/index.cjs
  '../../../dist/json/simd/stage1.wasm', // from src/json/simd/stage1-module.ts
]

let compiled: object | null | undefined
let fileFound = false

/** The compiled module, or null when it is not built or this runtime cannot run it. */
export function stage1Module(): object | null {
  if (compiled !== undefined) return compiled
  compiled = null
  if (wasmApi === undefined) return compiled
  for (const relative of WHERE) {
    const url = new URL(relative, import.meta.url)
    if (!existsSync(url)) continue
    fileFound = true
    const bytes = readFileSync(url)
    if (wasmApi.validate(bytes)) compiled = new wasmApi.Module(bytes)
    break
  }
  return compiled
}

/**
 * The runtime has WebAssembly but stage1.wasm is nowhere it was looked for: most likely a bundler
 * copied the JavaScript of @velox/core and not its .wasm. The gateway says so once (a runtime
 * without SIMD128, which fails validation, is not a mistake and is not warned about).
 */
export function stage1FileMissing(): boolean {
  stage1Module()
  return wasmApi !== undefined && !fileFound
}

/**
 * An instance over `memory` (the arena's shared memory), or null as for stage1Module(). The offload
 * worker passes the module the main thread compiled (posted in its workerData): from its own
 * bundle, dist/offload/, the .wasm is not where WHERE looks.
 */
export function instantiateStage1(memory: WasmMemory, module = stage1Module()): Stage1 | null {
  if (module === null || wasmApi === undefined) return null
  return new wasmApi.Instance(module, { env: { memory } }).exports as unknown as Stage1
}

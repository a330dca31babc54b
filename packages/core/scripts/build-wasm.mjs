// Compiles the WebAssembly stage-1 scanner (src/json/simd/assembly/stage1.ts, AssemblyScript) into
// dist/json/simd/stage1.wasm (flags in compile-stage1.mjs). Runs after tsup, which empties dist/
// first. The .wasm is a build output, never committed; the loader (src/json/simd/stage1-module.ts)
// finds it there both from the bundle and from src/ under vitest.
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { compileStage1 } from './compile-stage1.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
mkdirSync(`${root}dist/json/simd`, { recursive: true })
await compileStage1(`${root}src/json/simd/assembly/stage1.ts`, `${root}dist/json/simd/stage1.wasm`)

// Compiles the WebAssembly stage-1 scanner (src/json/simd/assembly/stage1.ts, AssemblyScript) into
// dist/json/simd/stage1.wasm. Runs after tsup, which empties dist/ first. The .wasm is a build
// output, never committed; the loader (src/json/simd/stage1-module.ts) finds it there both from
// the bundle and from src/ under vitest. Flags: v128 needs `simd`, shared memory needs `threads`;
// the memory is imported and shared (the arena's, src/ingress/wasm-arena.ts), and no runtime is
// linked (the module allocates nothing).
import { mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import asc from 'assemblyscript/asc'

const root = fileURLToPath(new URL('..', import.meta.url))
mkdirSync(`${root}dist/json/simd`, { recursive: true })
const { error, stderr } = await asc.main(
  [
    `${root}src/json/simd/assembly/stage1.ts`,
    '--outFile',
    `${root}dist/json/simd/stage1.wasm`,
    '--enable',
    'simd',
    '--enable',
    'threads',
    '-O3',
    '--runtime',
    'stub',
    '--importMemory',
    '--sharedMemory',
    '--initialMemory',
    '1',
    '--maximumMemory',
    '65536',
    '--noExportMemory',
  ],
  {},
)
if (error) {
  process.stderr.write(stderr.toString())
  throw error
}

// Compiles an AssemblyScript stage-1 source into a .wasm with the flags the package ships with:
// v128 needs `simd`, shared memory needs `threads`; the memory is imported and shared (the arena's,
// src/ingress/wasm-arena.ts), and no runtime is linked (the module allocates nothing). Used by
// build-wasm.mjs, and by bench/json/stage1-compare.ts to build an earlier revision's stage 1.
import asc from 'assemblyscript/asc'

/** Compiles `source` (a .ts path) into `outFile`; throws with the compiler's output on an error. */
export async function compileStage1(source, outFile) {
  const { error, stderr } = await asc.main(
    [
      source,
      '--outFile',
      outFile,
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
}

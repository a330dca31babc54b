import { defineConfig, type Options } from 'tsup'

/** The build every @velox package shares: ESM + CJS + types, one entry unless a package adds more. */
export function veloxBuild(extra: Partial<Options> = {}) {
  return defineConfig({
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    ...extra,
  })
}

export default veloxBuild()

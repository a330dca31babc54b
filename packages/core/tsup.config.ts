import { veloxBuild } from '../../tsup.config.js'

// Besides the public entry, the modules Velox loads only on demand (lazy-entry.ts): built as files
// of their own at the same relative paths as in src/, so that nothing of them is in dist/index.*.
// The offload worker (offload/scan-worker) is one: the main bundle starts it by its path.
// `shims` gives the CommonJS build an `import.meta.url`, which lazy-entry.ts resolves them from.
export default veloxBuild({
  entry: {
    index: 'src/index.ts',
    internal: 'src/internal.ts', // @velox/core/internal: building blocks for bench/ and tests (unstable)
    'sidecar/main': 'src/sidecar/main.ts',
    'sidecar/worker': 'src/sidecar/worker.ts',
    'offload/scan-worker': 'src/offload/scan-worker.ts',
  },
  shims: true,
  dts: { entry: { index: 'src/index.ts', internal: 'src/internal.ts' } }, // the lazy entries are not public API
})

import { veloxBuild } from '../../tsup.config'

// The offload worker is its own entry: the main bundle starts it from dist/scan-worker.js (.cjs)
// next to itself. shims: `import.meta.url` also works in the CJS build (the worker and the
// simdjson loader resolve files relative to the bundle with it).
export default veloxBuild({
  entry: { index: 'src/index.ts', 'scan-worker': 'src/offload/scan-worker.ts' },
  shims: true,
})

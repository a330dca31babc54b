import { veloxBuild } from '../../tsup.config'

// shims: `import.meta.url` also works in the CJS build (the simdjson loader and the offload worker
// resolve files next to the bundle with it).
export default veloxBuild({ shims: true })

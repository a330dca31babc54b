import { veloxBuild } from '../../tsup.config'

// The bin is ESM only (it runs, nobody requires it).
export default veloxBuild({ entry: ['src/index.ts', 'src/cli.ts'] })

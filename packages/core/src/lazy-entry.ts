/**
 * Finds and loads the modules Velox loads only on demand (the sidecar's main-thread side and its
 * worker), in each of the three layouts this file runs in:
 *
 *   src/lazy-entry.ts   (vitest, tsx)  ->  src/sidecar/main.ts
 *   dist/index.js       (ESM build)    ->  dist/sidecar/main.js
 *   dist/index.cjs      (CJS build)    ->  dist/sidecar/main.cjs
 *
 * This file sits at the root of src/ so that, once tsup has bundled it into dist/index.*, the
 * relative layout is the same; only the extension differs, and it is this file's own. The
 * specifier is computed, so the bundler cannot pull the lazy module (and prom-client, pprof-format
 * behind it) into the main bundle: a test loads the built package and checks they stay out.
 */
import { extname } from 'node:path'
import { fileURLToPath } from 'node:url'

export type LazyEntry = 'sidecar/main' | 'sidecar/worker' | 'offload/scan-worker'

const HERE = import.meta.url
const EXTENSION = extname(fileURLToPath(HERE))

/** The file URL of a lazy entry next to this module. */
export function lazyEntryUrl(name: LazyEntry): URL {
  return new URL(`./${name}${EXTENSION}`, HERE)
}

/** Loads a lazy entry: `require` in the CommonJS build, `import()` elsewhere. */
export function importLazyEntry<T>(name: LazyEntry): Promise<T> {
  const url = lazyEntryUrl(name)
  if (EXTENSION === '.cjs') return Promise.resolve().then(() => require(fileURLToPath(url)) as T)
  return import(url.href) as Promise<T>
}

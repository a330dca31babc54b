/**
 * `createLimitBuffer()`: the shared memory for gateways in several worker_threads of one process
 * to share one set of limits (docs/reference/options.md, the limit section). Make it once, send it to each thread, and pass it
 * as `limit.store.buffer`; every thread must use the same `limit` options.
 */
import { DEFAULTS } from '../config/defaults.js'
import { BucketTable } from './bucket-table.js'

/**
 * A SharedArrayBuffer for the bucket table of `maxKeys` keys (2 MiB for the default 16,384).
 *
 * @example
 * // main thread
 * const buffer = createLimitBuffer()
 * for (let i = 0; i < 4; i++) new Worker('./server.js', { workerData: { buffer } })
 * // each worker
 * const gateway = createGateway({ limit: { rpm: 600, store: { buffer: workerData.buffer } } })
 */
export function createLimitBuffer(maxKeys: number = DEFAULTS.limit.maxKeys): SharedArrayBuffer {
  return BucketTable.allocate(maxKeys)
}

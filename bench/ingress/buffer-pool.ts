/**
 * The buffer pool against the plain ways of assembling a body that arrives in several chunks
 * (the Rust Velox gateway's "Bumpalo arena vs Vec::from heap" table): Buffer.concat, and Buffer.alloc plus a
 * copy. One operation = assemble the chunks into one Buffer (and, for the pool, give it back).
 * A body that arrives in one chunk is never copied at all, so it is not measured here.
 */
import { BufferPool } from '@velox/core/internal'
import { chunksOf, sizeLabel } from '../lib/bodies.js'
import { type GroupResult, keep, runGroup } from '../lib/suite.js'

export const POOL_SIZES = [64, 512, 4 * 1024, 64 * 1024, 1024 * 1024]

export function benchBufferPool(): GroupResult[] {
  const pool = new BufferPool(32 * 1024 * 1024)
  return POOL_SIZES.map((size) => {
    const body = Buffer.alloc(size, 'x')
    // Loopback sockets deliver up to 64 KiB per read: 2 chunks up to 64 KB, 16 for 1 MB.
    const chunks = chunksOf(body, Math.max(2, Math.ceil(size / (64 * 1024))))
    const copyInto = (target: Buffer) => {
      let at = 0
      for (const chunk of chunks) at += chunk.copy(target, at)
      return target
    }
    return runGroup(
      `buffer pool, ${sizeLabel(size)} in ${chunks.length} chunks`,
      {
        'Buffer.concat (baseline)': () => keep(Buffer.concat(chunks, size)),
        'Buffer.alloc + copy': () => keep(copyInto(Buffer.alloc(size))),
        'pool acquire + copy + release': () => {
          const slab = pool.acquire(size)
          keep(copyInto(slab))
          pool.release(slab)
        },
      },
      size < 4096
        ? 'Bodies under 4 KiB never use the pool (the reader concatenates them); shown for the Rust Velox gateway table.'
        : undefined,
    )
  })
}

/**
 * Stage 12, release: gives the body's pooled slab back to the buffer pool once nothing can still
 * read it. undici counts a Buffer body as sent once it is handed to the socket; the kernel may
 * still be taking its tail when an upstream answers early (a 401 before reading a large body), and
 * the socket stays open for the next request. Only a 2xx proves the upstream read it all, so any
 * other outcome of a request that went upstream retires the slab instead of reusing it, with the
 * body that was sent: an arena slab comes back to the arena once that object is collected
 * (ingress/slab-quarantine.ts). The exchange lets go of the body here, so that from now on only a
 * write still under way can hold it.
 */
import type { Exchange } from '../exchange/exchange.js'
import type { BufferPool } from '../ingress/buffer-pool.js'

export interface ReleaseContext {
  readonly bufferPool: BufferPool
}

export function release(ctx: ReleaseContext, ex: Exchange): void {
  const slab = ex.slab
  if (slab === null) return
  const sent = ex.body // the view over the slab that egress gave undici (stages/20-read.ts)
  ex.slab = null
  ex.body = null
  const clean = ex.status >= 200 && ex.status < 300 && ex.errorCode === undefined && !ex.clientGone
  if (ex.attempts === 0 || clean) ctx.bufferPool.release(slab)
  else ctx.bufferPool.releaseWithoutReuse(slab, sent)
}

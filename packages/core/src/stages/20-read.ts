/**
 * Stage 2, read: the body into one Buffer, from a pooled slab when it is large (ingress/read-body.ts;
 * 413, 408). A body a framework's parser already consumed is taken as it is (its raw bytes) or
 * serialized again (a parsed value: slower, warned once), under the same size bound.
 */

import { VeloxError } from '../errors.js'
import type { RequestCounters } from '../exchange/counters.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import type { BufferPool } from '../ingress/buffer-pool.js'
import { CLIENT_GONE, readBody, tooLarge } from '../ingress/read-body.js'

export interface ReadContext {
  readonly options: { readonly maxBodyBytes: number; readonly timeouts: { readonly clientBodyMs: number } }
  readonly bufferPool: BufferPool
  readonly counters: RequestCounters
  /** Logs (or emits a process warning) once per code for the gateway's life. */
  warnOnce(code: string, message: string): void
  /** Runs the exchange's next stages (stages/run.ts). */
  resume(ex: Exchange): void
}

export function read(ctx: ReadContext, ex: Exchange): StageResult {
  const maxBytes = ctx.options.maxBodyBytes
  const preParsed = ex.preParsed
  if (preParsed !== undefined) {
    const raw = Buffer.isBuffer(preParsed)
    const bytes = raw ? preParsed : reserialize(ctx, preParsed.parsed)
    // The parser's own limit may be higher than the gateway's: the bound holds whoever read the body.
    if (bytes.length > maxBytes) {
      ex.fail(new VeloxError('VELOX_ERR_BODY_TOO_LARGE', tooLarge(maxBytes)), undefined, true)
      return NEXT
    }
    // Raw bytes kept by a parser are JSON only if the client said so; a re-serialized value always is.
    if (!raw) ex.json = true
    ex.body = bytes
    ex.decoded = true
    return NEXT
  }
  readBody(ex.req, ctx.bufferPool, maxBytes, ctx.options.timeouts.clientBodyMs, (err, bytes, slab) => {
    if (err === CLIENT_GONE) ex.left()
    else if (err !== null) ex.fail(err, undefined, true)
    else {
      ex.body = bytes
      ex.slab = slab
    }
    ctx.resume(ex)
  })
  return WAIT
}

function reserialize(ctx: ReadContext, parsed: unknown): Buffer {
  ctx.counters.reserializedBodies++
  ctx.warnOnce(
    'VELOX_WARN_REPARSED_BODY',
    'A body parser ran before Velox, so each body is parsed and serialized again. ' +
      'Mount Velox before the body parser (or keep the raw body) for byte-exact forwarding and speed.',
  )
  return Buffer.from(JSON.stringify(parsed ?? null))
}

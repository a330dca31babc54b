/**
 * Stage 2, read: the body into one Buffer, from a pooled slab when it is large (ingress/read-body.ts;
 * 413, 408). A body a framework's parser already consumed is taken as it is (its raw bytes) or
 * serialized again (a parsed value: slower, warned once), under the same size bound.
 */

import { VeloxError } from '../errors.js'
import type { RequestCounters } from '../exchange/counters.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import type { BufferPool } from '../ingress/buffer-pool.js'
import { type BodyLimits, CLIENT_GONE, readBody, tooLarge } from '../ingress/read-body.js'

export interface ReadContext {
  /** maxBodyBytes and timeouts.clientBodyMs, as one object made once per gateway. */
  readonly bodyLimits: BodyLimits
  readonly bufferPool: BufferPool
  readonly counters: RequestCounters
  /** Logs (or emits a process warning) once per code for the gateway's life. */
  warnOnce(code: string, message: string): void
}

export function read(ctx: ReadContext, ex: Exchange): StageResult {
  const limits = ctx.bodyLimits
  const maxBytes = limits.maxBytes
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
  readBody(ex.req, ctx.bufferPool, limits, bodyRead, ex)
  return WAIT
}

/** One function for every exchange (the exchange comes back as the owner): no closure per request. */
function bodyRead(
  err: VeloxError | typeof CLIENT_GONE | null,
  bytes: Buffer,
  slab: Buffer | null,
  ex: Exchange,
): void {
  if (err === CLIENT_GONE) ex.left()
  else if (err !== null) ex.fail(err, undefined, true)
  else {
    ex.body = bytes
    ex.slab = slab
  }
  ex.resume()
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

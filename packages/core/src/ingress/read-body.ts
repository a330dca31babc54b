/**
 * Reads a request body into one Buffer without a promise or a chunk array on the common paths:
 * a body that arrives in one chunk is used as is; a larger one is copied into a pooled slab sized
 * from Content-Length (or grown by doubling when the body is chunked); only a small multi-chunk
 * body (< 4 KiB in all) is concatenated. Bounded in size (413) and time (408).
 */
import type { IncomingMessage } from 'node:http'
import { VeloxError } from '../errors.js'
import { type BufferPool, MIN_SLAB_BYTES } from './buffer-pool.js'

const EMPTY = Buffer.alloc(0)

/**
 * `err` is null on success; CLIENT_GONE when the client went away (nothing left to answer).
 * `owner` is the value given to readBody, so one function can serve every request (no closure each).
 */
export type BodyCallback<T> = (
  err: VeloxError | typeof CLIENT_GONE | null,
  body: Buffer,
  slab: Buffer | null,
  owner: T,
) => void

/** The bounds on a body: its size (413), and the time it may take to arrive (408; 0: none). */
export interface BodyLimits {
  readonly maxBytes: number
  readonly timeoutMs: number
}

export const CLIENT_GONE = Symbol('client gone')

class BodyReader<T> {
  readonly req: IncomingMessage
  readonly pool: BufferPool
  readonly maxBytes: number
  readonly expected: number
  readonly done: BodyCallback<T>
  readonly owner: T
  timer: NodeJS.Timeout | undefined = undefined
  first: Buffer | null = null
  parts: Buffer[] | null = null
  slab: Buffer | null = null
  length = 0
  finished = false

  constructor(req: IncomingMessage, pool: BufferPool, limits: BodyLimits, done: BodyCallback<T>, owner: T) {
    this.req = req
    this.pool = pool
    this.maxBytes = limits.maxBytes
    this.expected = declaredLength(req)
    this.done = done
    this.owner = owner
    this.onData = this.onData.bind(this)
    this.onEnd = this.onEnd.bind(this)
    this.onGone = this.onGone.bind(this)
    this.onTimeout = this.onTimeout.bind(this)
  }

  onData(chunk: Buffer): void {
    const total = this.length + chunk.length
    if (total > this.maxBytes)
      return this.fail(new VeloxError('VELOX_ERR_BODY_TOO_LARGE', tooLarge(this.maxBytes)))
    if (this.slab !== null) {
      if (total > this.slab.length) this.grow(total)
      chunk.copy(this.slab, this.length)
    } else if (this.first === null && this.parts === null) {
      this.first = chunk
    } else if (Math.max(total, this.expected) < MIN_SLAB_BYTES) {
      if (this.parts === null) this.parts = [this.first!]
      this.parts.push(chunk)
    } else {
      this.slab = this.pool.acquire(Math.max(total, this.expected))
      this.copyPartsInto(this.slab)
      chunk.copy(this.slab, this.length)
    }
    this.length = total
  }

  copyPartsInto(slab: Buffer): void {
    let offset = 0
    for (const part of this.parts ?? [this.first!]) offset += part.copy(slab, offset)
    this.first = null
    this.parts = null
  }

  grow(needed: number): void {
    const bigger = this.pool.acquire(Math.max(needed, this.slab!.length * 2))
    this.slab!.copy(bigger, 0, 0, this.length)
    this.pool.release(this.slab!)
    this.slab = bigger
  }

  onEnd(): void {
    if (this.finished) return
    this.cleanup()
    let body: Buffer
    if (this.slab !== null) body = this.slab.subarray(0, this.length)
    else if (this.parts !== null) body = Buffer.concat(this.parts, this.length)
    else body = this.first ?? EMPTY
    this.done(null, body, this.slab, this.owner)
  }

  onGone(): void {
    if (!this.finished && !this.req.readableEnded) this.fail(CLIENT_GONE)
  }

  onTimeout(): void {
    this.fail(new VeloxError('VELOX_ERR_BODY_TIMEOUT'))
  }

  fail(err: VeloxError | typeof CLIENT_GONE): void {
    if (this.finished) return
    this.cleanup()
    if (this.slab !== null) this.pool.release(this.slab)
    this.slab = null
    this.first = null
    this.parts = null
    // Discard the rest of the body; the error response closes the connection.
    if (err !== CLIENT_GONE) this.req.resume()
    this.done(err, EMPTY, null, this.owner)
  }

  cleanup(): void {
    this.finished = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.req.off('data', this.onData)
    this.req.off('end', this.onEnd)
    this.req.off('error', this.onGone)
    this.req.off('close', this.onGone)
  }
}

/** The Content-Length the client declared; 0 when it declared none (or nothing readable). */
function declaredLength(req: IncomingMessage): number {
  const declared = req.headers['content-length']
  const expected = declared === undefined ? 0 : Number(declared)
  return Number.isFinite(expected) ? expected : 0
}

/** The 413 message, shared with bodies a framework's parser read (see stages/20-read.ts). */
export function tooLarge(maxBytes: number): string {
  return `Request body is larger than the gateway allows (${maxBytes} bytes)`
}

/**
 * Reads `req`'s body and calls `done` once, with `owner`. `slab`, when not null, must be given back
 * to the pool by the caller once the body is no longer needed.
 *
 * @example
 * readBody(req, pool, { maxBytes: 1 << 20, timeoutMs: 30_000 }, (err, body, slab, owner) => {}, exchange)
 */
export function readBody<T>(
  req: IncomingMessage,
  pool: BufferPool,
  limits: BodyLimits,
  done: BodyCallback<T>,
  owner: T,
): void {
  const { maxBytes, timeoutMs } = limits
  const declared = req.headers['content-length']
  if (declared !== undefined && Number(declared) > maxBytes) {
    req.resume()
    return done(new VeloxError('VELOX_ERR_BODY_TOO_LARGE', tooLarge(maxBytes)), EMPTY, null, owner)
  }
  if (req.readableEnded) return done(null, EMPTY, null, owner)
  const reader = new BodyReader(req, pool, limits, done, owner)
  req.on('data', reader.onData)
  req.on('end', reader.onEnd)
  req.on('error', reader.onGone)
  req.on('close', reader.onGone)
  if (timeoutMs > 0) reader.timer = setTimeout(reader.onTimeout, timeoutMs)
}

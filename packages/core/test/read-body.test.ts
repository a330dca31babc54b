import type { IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { BufferPool } from '../src/ingress/buffer-pool.js'
import { CLIENT_GONE, readBody } from '../src/ingress/read-body.js'

/** A request body that arrives as the given chunks (one 'data' event each), with its headers. */
function incoming(chunks: Buffer[], headers: Record<string, string> = {}): IncomingMessage {
  const stream = new Readable({ read() {} })
  for (const chunk of chunks) stream.push(chunk)
  stream.push(null)
  return Object.assign(stream, { headers }) as unknown as IncomingMessage
}

type Read = { err: unknown; body: Buffer; slab: Buffer | null }

function read(req: IncomingMessage, pool: BufferPool, maxBytes = 1024 * 1024): Promise<Read> {
  return new Promise((resolve) =>
    readBody(req, pool, { maxBytes, timeoutMs: 0 }, (err, body, slab) => resolve({ err, body, slab }), null),
  )
}

const bytes = (n: number, fill = 'x') => Buffer.alloc(n, fill)

describe('readBody', () => {
  it('passes a body that arrives in one chunk on as it is: no copy, no slab', async () => {
    const pool = new BufferPool(1024 * 1024)
    const chunk = bytes(100_000)
    const { err, body, slab } = await read(incoming([chunk], { 'content-length': '100000' }), pool)
    expect(err).toBeNull()
    expect(body).toBe(chunk)
    expect(slab).toBeNull()
    expect(pool.stats().acquired).toBe(0)
  })

  it('concatenates a body under 4 KiB in several chunks, without the pool', async () => {
    const pool = new BufferPool(1024 * 1024)
    const { body, slab } = await read(incoming([bytes(1000, 'a'), bytes(1000, 'b'), bytes(1000, 'c')]), pool)
    expect(body.toString()).toBe('a'.repeat(1000) + 'b'.repeat(1000) + 'c'.repeat(1000))
    expect(slab).toBeNull()
    expect(pool.stats().acquired).toBe(0)
  })

  it('copies a larger body in several chunks into one slab sized from Content-Length', async () => {
    const pool = new BufferPool(1024 * 1024)
    const parts = [bytes(4000, 'a'), bytes(4000, 'b'), bytes(2000, 'c')]
    const { body, slab } = await read(incoming(parts, { 'content-length': '10000' }), pool)
    expect(body.equals(Buffer.concat(parts))).toBe(true)
    expect(slab!.length).toBe(16 * 1024)
    expect(body.buffer).toBe(slab!.buffer)
    expect(pool.stats()).toMatchObject({ acquired: 1, inUse: 1 })
  })

  it('grows the slab by doubling when the body is chunked, returning the smaller ones', async () => {
    const pool = new BufferPool(1024 * 1024)
    const parts = Array.from({ length: 6 }, (_, i) => bytes(4096, String(i)))
    const { body, slab } = await read(incoming(parts), pool)
    expect(body.equals(Buffer.concat(parts))).toBe(true)
    expect(slab!.length).toBe(32 * 1024)
    expect(pool.stats()).toMatchObject({ acquired: 3, released: 2, inUse: 1 })
  })

  it('answers 413 past maxBytes and gives its slab back', async () => {
    const pool = new BufferPool(1024 * 1024)
    // 8 KiB slab at the 2nd chunk, grown to 16 KiB at the 3rd, over the limit at the 4th.
    const parts = [bytes(3000), bytes(3000), bytes(3000), bytes(3000)]
    const { err, body, slab } = await read(incoming(parts), pool, 10_000)
    expect((err as { code: string }).code).toBe('VELOX_ERR_BODY_TOO_LARGE')
    expect(body.length).toBe(0)
    expect(slab).toBeNull()
    expect(pool.stats()).toMatchObject({ acquired: 2, released: 2, inUse: 0 })
  })

  it('gives the slab back when the client leaves mid-body', async () => {
    const pool = new BufferPool(1024 * 1024)
    const stream = new Readable({ read() {} })
    const req = Object.assign(stream, {
      headers: { 'content-length': '20000' },
    }) as unknown as IncomingMessage
    const result = read(req, pool)
    stream.push(bytes(5000))
    stream.push(bytes(5000))
    await new Promise((resolve) => setImmediate(resolve))
    expect(pool.stats().inUse).toBe(1)
    stream.destroy()
    const { err, slab } = await result
    expect(err).toBe(CLIENT_GONE)
    expect(slab).toBeNull()
    expect(pool.stats()).toMatchObject({ acquired: 1, released: 1, inUse: 0 })
  })
})

/**
 * A stored answer: always a complete 200, its content type, its bytes, and for a stream the byte
 * offsets where each event ends, so a replay sends the same events with the same bytes. Encoded
 * for Redis as a 4-byte header length, a JSON header, then the body bytes.
 */

export interface CachedReply {
  readonly kind: 'json' | 'sse'
  readonly contentType: string
  readonly body: Buffer
  /** SSE: the end offset of each event in `body` (the last is body.length). */
  readonly eventEnds: readonly number[]
}

/** Bytes an entry takes in memory, for the byte-bounded LRU (the body plus a fixed overhead). */
export function replySize(reply: CachedReply): number {
  return reply.body.length + 128 + reply.eventEnds.length * 8
}

export function encodeReply(reply: CachedReply): Buffer {
  const head = Buffer.from(
    JSON.stringify({ kind: reply.kind, contentType: reply.contentType, eventEnds: reply.eventEnds }),
  )
  const out = Buffer.allocUnsafe(4 + head.length + reply.body.length)
  out.writeUInt32BE(head.length, 0)
  head.copy(out, 4)
  reply.body.copy(out, 4 + head.length)
  return out
}

/** The reply in `bytes`, or undefined when they are not one (an entry from another version). */
export function decodeReply(bytes: Buffer): CachedReply | undefined {
  try {
    const headLength = bytes.readUInt32BE(0)
    const head = JSON.parse(bytes.toString('utf8', 4, 4 + headLength))
    if ((head.kind !== 'json' && head.kind !== 'sse') || typeof head.contentType !== 'string')
      return undefined
    if (!Array.isArray(head.eventEnds)) return undefined
    return {
      kind: head.kind,
      contentType: head.contentType,
      body: bytes.subarray(4 + headLength),
      eventEnds: head.eventEnds,
    }
  } catch {
    return undefined
  }
}

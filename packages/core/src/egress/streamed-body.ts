/**
 * Large request bodies go to an HTTP/2-capable upstream as a stream, 64 KiB at a time, not as one
 * Buffer. Given one Buffer, Node's HTTP/2 client queues all of it in the session at once; when the
 * upstream answers before reading (a 401, 413 or 429 to a large body) the queued bytes are never
 * sent, the session passes its memory cap (`maxSessionMemory`, 10 MB; undici does not set it) and
 * refuses that stream and every later one with NGHTTP2_ENHANCE_YOUR_CALM: one early answer to a
 * 16 MiB body turned every request on that connection into a 502. Streamed, with the backpressure
 * undici keeps, a stream holds no more than its flow-control window in the session.
 *
 * Each chunk is a copy, so a write still pending after the exchange holds its own memory and never
 * the body's: the body may lie in a pooled arena slab that the release stage gives back.
 */
import { Readable } from 'node:stream'

/** Bodies of this size and more are streamed to an upstream that may speak HTTP/2. */
export const STREAM_BODY_FROM_BYTES = 1024 * 1024
const CHUNK_BYTES = 64 * 1024

/** `body` as a byte stream of copied chunks (a new one per attempt: a stream is read once). */
export function streamedBody(body: Buffer): Readable {
  let at = 0
  return new Readable({
    highWaterMark: CHUNK_BYTES,
    read() {
      if (at >= body.length) {
        this.push(null)
        return
      }
      const end = Math.min(at + CHUNK_BYTES, body.length)
      this.push(Buffer.from(body.subarray(at, end))) // Buffer.from(buffer) copies
      at = end
    },
  })
}

/**
 * Reads a payload that one of the app's `preParsing` hooks put in place of the raw request (a
 * decompression or raw-body plugin): the raw stream belongs to the hook then, so the body must come
 * from the replacement. Bounded like the core's own reader: once past `maxBytes` it stops and hands
 * over what it has, which the core answers with 413 (the core bounds every pre-read body).
 */
import type { Readable } from 'node:stream'

type Done = (err: Error | null, body?: Buffer) => void

function ignore(): void {}

export function readReplacedPayload(payload: Readable, maxBytes: number, done: Done): void {
  const chunks: Buffer[] = []
  let length = 0
  let finished = false

  function finish(err: Error | null): void {
    if (finished) return
    finished = true
    payload.off('data', onData)
    payload.off('end', onEnd)
    payload.off('error', finish)
    payload.on('error', ignore) // late errors of a stream nobody reads any more
    if (err !== null) return done(err)
    done(null, Buffer.concat(chunks, length))
  }
  function onData(chunk: Buffer | string): void {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    chunks.push(bytes)
    length += bytes.length
    if (length > maxBytes) {
      finish(null)
      payload.destroy() // the 413 closes the connection; reading the rest would be waste
    }
  }
  function onEnd(): void {
    finish(null)
  }

  payload.on('data', onData)
  payload.on('end', onEnd)
  payload.on('error', finish)
}

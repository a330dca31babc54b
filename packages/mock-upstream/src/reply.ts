/**
 * Writes JSON replies with the headers the real API sends (`x-request-id`, `openai-processing-ms`),
 * honouring the `reset-mid-stream` fault, which for a JSON body cuts it in half.
 */
import { once } from 'node:events'
import { errorBody } from './errors.js'
import type { Exchange, NodeResponse } from './exchange.js'
import { cutMidStream } from './faults.js'

/** Headers every reply carries. */
export function baseHeaders(ex: Exchange): Record<string, string> {
  return {
    'x-request-id': ex.identity.requestId,
    'openai-processing-ms': String(Math.round(performance.now() - ex.startedAt)),
  }
}

// The two response classes type write() with different overloads, so TS cannot call it on their union.
type ChunkWriter = { write(chunk: string | Buffer, callback?: (error?: Error | null) => void): boolean }

/** Writes one chunk; false when the buffer is full (wait for `drain`). */
export function writeChunk(res: NodeResponse, chunk: string | Buffer, callback?: () => void): boolean {
  return (res as ChunkWriter).write(chunk, callback)
}

/** Resolves once `chunk` has been handed to the socket. */
export function flushedWrite(res: NodeResponse, chunk: string | Buffer): Promise<void> {
  // The callback also fires (with an error) when the response is gone; either way we are done waiting.
  return new Promise((resolve) => writeChunk(res, chunk, resolve))
}

/** Waits for `drain` after a write that filled the buffer; false when the exchange aborted meanwhile. */
export async function drained(ex: Exchange): Promise<boolean> {
  try {
    await once(ex.res, 'drain', { signal: ex.signal })
    return true
  } catch {
    return false
  }
}

/**
 * Sends `body` as JSON with `content-type` and `content-length`.
 *
 * @example
 * await sendJson(ex, 200, { object: 'list', data: [] })
 */
export async function sendJson(
  ex: Exchange,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<void> {
  if (ex.signal.aborted) return
  const payload = Buffer.from(JSON.stringify(body))
  ex.res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(payload.length),
    ...baseHeaders(ex),
    ...headers,
  })
  if (ex.fault === 'reset-mid-stream') {
    await flushedWrite(ex.res, payload.subarray(0, Math.floor(payload.length / 2)))
    cutMidStream(ex.res)
    return
  }
  ex.res.end(payload)
}

/**
 * Sends an OpenAI-style error body.
 *
 * @example
 * await sendError(ex, 404, 'Invalid URL (GET /v2)', 'invalid_request_error')
 */
export function sendError(
  ex: Exchange,
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
  headers: Record<string, string> = {},
): Promise<void> {
  return sendJson(ex, status, errorBody(message, type, param, code), headers)
}

/**
 * Server-sent events framed as OpenAI frames them. Each event is its own write, so a proxy under test can
 * be checked for event-by-event delivery; `x-mock-chunk-delay-ms` spaces the writes out.
 */
import { Http2ServerResponse } from 'node:http2'
import { delay } from './delay.js'
import type { Exchange } from './exchange.js'
import { cutMidStream } from './faults.js'
import { baseHeaders, drained, flushedWrite, writeChunk } from './reply.js'

/** The stream terminator of Chat Completions (the Responses API sends none). */
export const DONE_EVENT = 'data: [DONE]\n\n'

/** A `data:`-only event, as Chat Completions sends. */
export function dataEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`
}

/** A typed event, as the Responses API sends: the type is both the SSE event name and the `type` field. */
export function typedEvent(type: string, sequenceNumber: number, fields: object): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequenceNumber, ...fields })}\n\n`
}

/** How many events `reset-mid-stream` lets through: half, and at least one. */
export function eventsBeforeCut(total: number): number {
  return Math.max(1, Math.floor(total / 2))
}

/**
 * Streams `events` with the SSE headers, one write per event.
 *
 * @example
 * await sendEventStream(ex, [dataEvent({ hello: 'world' }), DONE_EVENT])
 */
export async function sendEventStream(
  ex: Exchange,
  events: readonly string[],
  headers: Record<string, string> = {},
): Promise<void> {
  if (ex.signal.aborted) return
  const { res } = ex
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...baseHeaders(ex),
    ...headers,
  })
  // Headers go out now, not with the first event, so a client sees the stream open before any delay
  // (HTTP/2 writeHead already sends them).
  if (!(res instanceof Http2ServerResponse)) res.flushHeaders()
  const cutAfter = ex.fault === 'reset-mid-stream' ? eventsBeforeCut(events.length) : Number.POSITIVE_INFINITY
  for (let index = 0; index < events.length; index++) {
    if (index > 0 && !(await delay(ex.controls.chunkDelayMs, ex.signal))) return
    if (index + 1 === cutAfter) {
      // Wait until the last event is on the wire, or the cut could overtake it.
      await flushedWrite(res, events[index])
      cutMidStream(res)
      return
    }
    if (!writeChunk(res, events[index]) && !(await drained(ex))) return
  }
  res.end()
}

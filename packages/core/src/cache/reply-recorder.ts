/**
 * Keeps a copy of an answer as it passes to the client, and decides at the end whether it may be
 * stored. Only complete 200 answers are: JSON, and event streams that ended the way their format
 * ends a finished answer (`data: [DONE]` for chat and completions, `response.completed` for the
 * Responses API, `message_stop` for Anthropic) and were not cut short by a token limit
 * (`finish_reason: "length"`, an incomplete response, `stop_reason: "max_tokens"`) or an error
 * event. Aborted, failed or cut answers never reach `finish` with `complete: true`. An answer larger
 * than maxEntryBytes stops being recorded at once (its chunks are let go).
 */
import type { CachedReply } from './cached-reply.js'

const LF = 0x0a
const CR = 0x0d

/** Bytes that mark a stream whose answer was cut short (any of them anywhere: not stored). */
const TRUNCATED = [
  Buffer.from('"finish_reason":"length"'),
  Buffer.from('"status":"incomplete"'),
  Buffer.from('"stop_reason":"max_tokens"'),
  Buffer.from('event: error'),
  Buffer.from('event:error'),
]

/** The last event of a finished stream, per format. */
function endsProperly(body: Buffer, lastEventStart: number): boolean {
  const last = body.toString('utf8', lastEventStart).trimEnd()
  return (
    last === 'data: [DONE]' ||
    last === 'data:[DONE]' ||
    /^event: ?response\.completed\r?\n/.test(last) ||
    /^event: ?message_stop\r?\n/.test(last)
  )
}

/** End offsets of the events in `body` (after each blank line). */
export function eventEnds(body: Buffer): number[] {
  const ends: number[] = []
  let i = body.indexOf(LF)
  while (i !== -1) {
    const next = body[i + 1]
    if (next === LF) {
      ends.push(i + 2)
      i = body.indexOf(LF, i + 2)
    } else if (next === CR && body[i + 2] === LF) {
      ends.push(i + 3)
      i = body.indexOf(LF, i + 3)
    } else {
      i = body.indexOf(LF, i + 1)
    }
  }
  return ends
}

export class ReplyRecorder {
  readonly #kind: 'json' | 'sse' | undefined
  readonly #contentType: string
  readonly #maxBytes: number
  #chunks: Buffer[] = []
  #bytes = 0
  #dropped: boolean

  /** `status` and `contentType` of the upstream's answer; anything but a 200 JSON or SSE is never kept. */
  constructor(status: number, contentType: string | undefined, maxBytes: number) {
    const type = (contentType ?? '').toLowerCase()
    this.#kind = type.startsWith('application/json')
      ? 'json'
      : type.startsWith('text/event-stream')
        ? 'sse'
        : undefined
    this.#contentType = contentType ?? ''
    this.#maxBytes = maxBytes
    this.#dropped = status !== 200 || this.#kind === undefined
  }

  /** Keeps `chunk` (by reference: the caller hands over chunks it does not reuse). */
  onChunk(chunk: Buffer): void {
    if (this.#dropped) return
    this.#bytes += chunk.length
    if (this.#bytes > this.#maxBytes) {
      this.#dropped = true
      this.#chunks = []
      return
    }
    this.#chunks.push(chunk)
  }

  /**
   * The reply to store, or undefined. `complete`: the upstream's answer ended normally and all of
   * it reached the client (false for an abort, an upstream error or a cut).
   */
  finish(complete: boolean): CachedReply | undefined {
    const chunks = this.#chunks
    this.#chunks = []
    if (!complete || this.#dropped || this.#kind === undefined) return undefined
    const body = Buffer.concat(chunks, this.#bytes)
    if (this.#kind === 'json') return { kind: 'json', contentType: this.#contentType, body, eventEnds: [] }
    const ends = eventEnds(body)
    if (ends.length === 0 || ends[ends.length - 1] !== body.length) return undefined
    if (!endsProperly(body, ends.length > 1 ? ends[ends.length - 2]! : 0)) return undefined
    for (const marker of TRUNCATED) if (body.indexOf(marker) !== -1) return undefined
    return { kind: 'sse', contentType: this.#contentType, body, eventEnds: ends }
  }
}

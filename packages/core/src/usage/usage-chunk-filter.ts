/**
 * The client's half of an include_usage splice (include-usage-splice.ts): the upstream now sends
 * what the client did not ask for, and this filter takes it out again as the stream passes, so the
 * client receives exactly the stream it would have got, and the gateway keeps the usage.
 *
 * With include_usage, OpenAI adds two things (documented for stream_options): one extra chunk
 * before `[DONE]` whose `choices` is `[]` and whose `usage` is the request's usage, and a
 * `"usage":null` member, last, on every other chunk. The filter drops the first and cuts the second
 * (only when it is the chunk object's last member: `,"usage":null}` right at the end of the data
 * line). Every other byte passes unchanged, in order. Bytes of an event are held only until the
 * event's blank line arrives (upstreams write whole events, so nothing waits in practice); an
 * unfinished event larger than MAX_HELD_BYTES is let through as it is.
 */
import { emptyUsage, readUsageDetail, type UsageDetail } from './usage-detail.js'

const LF = 0x0a
const CR = 0x0d
const NULL_USAGE = Buffer.from(',"usage":null}')
const USAGE_KEY = Buffer.from('"usage"')
const MAX_HELD_BYTES = 4 * 1024 * 1024 // a responses.completed-sized event; usage chunks are ~300 B

/** Index just after the blank line that ends the event starting at `from`, or -1. */
function eventEnd(buf: Buffer, from: number): number {
  let i = buf.indexOf(LF, from)
  while (i !== -1) {
    const next = buf[i + 1]
    if (next === LF) return i + 2
    if (next === CR && buf[i + 2] === LF) return i + 3
    i = buf.indexOf(LF, i + 1)
  }
  return -1
}

/** The JSON text of a one-line `data:` event, as [start, end), or undefined. */
function dataRange(buf: Buffer, start: number, end: number): [number, number] | undefined {
  if (buf.toString('latin1', start, start + 5) !== 'data:') return undefined
  let lineEnd = buf.indexOf(LF, start)
  if (lineEnd === -1 || lineEnd >= end) return undefined
  const afterLine = lineEnd + 1
  if (buf[lineEnd - 1] === CR) lineEnd--
  // One data line only: the next line must be the blank one.
  if (!(buf[afterLine] === LF || (buf[afterLine] === CR && buf[afterLine + 1] === LF))) return undefined
  return [start + 5, lineEnd]
}

export class UsageChunkFilter {
  /** Usage read from the extra chunk (undefined until it passed). */
  usage: UsageDetail | undefined = undefined
  /** Extra usage chunks removed (1 on a stream that ended properly). */
  removed = 0
  #held: Buffer | undefined = undefined
  /** The event being held grew past MAX_HELD_BYTES: the rest of it passes unchanged. */
  #passing = false

  /**
   * The bytes to send to the client for `chunk`, as one Buffer (one write to the client, however
   * many events were cut), or undefined when there is nothing to send yet. It may be `chunk` itself.
   */
  push(chunk: Buffer): Buffer | undefined {
    const parts = this.#parts(chunk)
    if (parts.length === 0) return undefined
    return parts.length === 1 ? parts[0] : Buffer.concat(parts)
  }

  #parts(chunk: Buffer): Buffer[] {
    const out: Buffer[] = []
    let buf = chunk
    if (this.#held !== undefined) {
      buf = Buffer.concat([this.#held, chunk])
      this.#held = undefined
    }
    let pos = 0
    if (this.#passing) {
      const end = eventEnd(buf, 0)
      if (end === -1) return [buf]
      out.push(buf.subarray(0, end))
      this.#passing = false
      pos = end
    }
    let runStart = pos // bytes from here to `pos` pass unchanged
    for (;;) {
      const end = eventEnd(buf, pos)
      if (end === -1) break
      const cut = this.#cut(buf, pos, end)
      if (cut !== undefined) {
        if (pos > runStart) out.push(buf.subarray(runStart, pos))
        if (cut[0] > pos) out.push(buf.subarray(pos, cut[0]))
        runStart = cut[1]
      }
      pos = end
    }
    if (pos > runStart) out.push(buf.subarray(runStart, pos))
    if (pos < buf.length) {
      const rest = buf.subarray(pos)
      if (rest.length > MAX_HELD_BYTES) {
        out.push(rest)
        this.#passing = true
      } else {
        this.#held = Buffer.from(rest) // a copy: the upstream's buffer is not ours to keep
      }
    }
    return out
  }

  /** What is still held when the stream ends (an unfinished last event), to send as it is. */
  end(): Buffer | undefined {
    const rest = this.#held
    this.#held = undefined
    return rest
  }

  /**
   * For the event at [start, end): undefined to keep it whole, else the byte range to remove
   * (the whole event, or the `,"usage":null` member).
   */
  #cut(buf: Buffer, start: number, end: number): [number, number] | undefined {
    const key = buf.indexOf(USAGE_KEY, start)
    if (key === -1 || key >= end) return undefined
    const data = dataRange(buf, start, end)
    if (data === undefined) return undefined
    const [from, to] = data
    if (
      to - from >= NULL_USAGE.length &&
      buf.compare(NULL_USAGE, 0, NULL_USAGE.length, to - NULL_USAGE.length, to) === 0
    ) {
      return [to - NULL_USAGE.length, to - 1] // keep the closing brace
    }
    let event: { choices?: unknown; usage?: unknown }
    try {
      event = JSON.parse(buf.toString('utf8', from, to))
    } catch {
      return undefined
    }
    if (!Array.isArray(event?.choices) || event.choices.length !== 0) return undefined
    if (typeof event.usage !== 'object' || event.usage === null) return undefined
    this.usage = readUsageDetail(event.usage, emptyUsage())
    this.removed++
    return [start, end]
  }
}

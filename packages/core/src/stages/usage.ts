/**
 * Reads token usage out of a response as it streams past, without holding the response: OpenAI
 * chat and completions (`usage.prompt_tokens` / `completion_tokens`), the Responses API
 * (`response.usage.input_tokens` / `output_tokens`), embeddings, and Anthropic messages (input in
 * `message_start`, output in `message_delta`).
 *
 * - SSE: only the `data:` lines that contain `"usage"` are parsed; a line split across chunks is
 *   carried over (bounded).
 * - JSON: usage comes last in every one of these bodies, so only the final bytes are kept
 *   (a window of TAIL_BYTES) and the last `"usage":{...}` in them is parsed at the end.
 *
 * Each usage object is read with its detail (cached input, cache writes, reasoning) by
 * usage/usage-detail.ts, so cost and the token metrics by type come from the same read.
 */
import { emptyUsage, readUsageDetail, type UsageDetail } from '../usage/usage-detail.js'

/** Usage with its detail: cached input, cache writes, reasoning (usage/usage-detail.ts). */
export type Usage = UsageDetail

const TAIL_BYTES = 16 * 1024 // usage and what follows it (ids, metadata) fit with room to spare
const MAX_LINE_BYTES = 4 * 1024 * 1024 // a responses.completed line carries the whole output
const USAGE_KEY = Buffer.from('"usage"')
const NEWLINE = 0x0a

export class UsageCapture {
  readonly eventStream: boolean
  /** What was read so far; `finish()` returns it. */
  readonly #usage: UsageDetail = emptyUsage()
  /** SSE: the bytes of an unfinished line. JSON: the last chunks, TAIL_BYTES or a little more. */
  #carry: Buffer[] = []
  #carryBytes = 0

  constructor(eventStream: boolean) {
    this.eventStream = eventStream
  }

  onChunk(chunk: Buffer): void {
    if (this.eventStream) this.#onEventChunk(chunk)
    else this.#keepTail(chunk)
  }

  /** Usage seen so far (call at the end of the response). */
  finish(): Usage {
    if (!this.eventStream && this.#carryBytes > 0) {
      this.#readJsonTail(Buffer.concat(this.#carry, this.#carryBytes))
      this.#carry = []
      this.#carryBytes = 0
    }
    return this.#usage
  }

  #keepTail(chunk: Buffer): void {
    this.#carry.push(chunk)
    this.#carryBytes += chunk.length
    while (this.#carry.length > 1 && this.#carryBytes - this.#carry[0]!.length >= TAIL_BYTES) {
      this.#carryBytes -= this.#carry.shift()!.length
    }
  }

  #readJsonTail(tail: Buffer): void {
    let at = tail.lastIndexOf(USAGE_KEY)
    while (at > 0 && tail[at - 1] === 0x5c) at = tail.lastIndexOf(USAGE_KEY, at - 1) // \"usage\" inside a string
    if (at === -1) return
    const open = tail.indexOf(0x7b, at + USAGE_KEY.length) // {
    if (open === -1) return
    const close = objectEnd(tail, open)
    if (close === -1) return
    try {
      this.#take(JSON.parse(tail.toString('utf8', open, close + 1)))
    } catch {
      // Not usage after all: leave it unknown.
    }
  }

  #onEventChunk(chunk: Buffer): void {
    let start = 0
    if (this.#carryBytes > 0) {
      const newline = chunk.indexOf(NEWLINE)
      if (newline === -1) {
        if (this.#carryBytes + chunk.length <= MAX_LINE_BYTES) {
          this.#carry.push(chunk)
          this.#carryBytes += chunk.length
        } else {
          this.#carry = []
          this.#carryBytes = 0
        }
        return
      }
      this.#carry.push(chunk.subarray(0, newline))
      this.#readLine(Buffer.concat(this.#carry, this.#carryBytes + newline))
      this.#carry = []
      this.#carryBytes = 0
      start = newline + 1
    }
    const lastNewline = chunk.lastIndexOf(NEWLINE)
    if (lastNewline >= start) {
      let at = chunk.indexOf(USAGE_KEY, start)
      while (at !== -1 && at < lastNewline) {
        const lineEnd = chunk.indexOf(NEWLINE, at)
        // Most chunks of an include_usage stream carry `"usage":null`: skip those without parsing.
        if (usageIsObject(chunk, at)) {
          const lineStart = chunk.lastIndexOf(NEWLINE, at) + 1
          this.#readLine(chunk.subarray(Math.max(lineStart, start), lineEnd))
        }
        at = chunk.indexOf(USAGE_KEY, lineEnd)
      }
      start = lastNewline + 1
    }
    if (start < chunk.length) {
      this.#carry.push(chunk.subarray(start))
      this.#carryBytes = chunk.length - start
    }
  }

  #readLine(line: Buffer): void {
    // `data:` then an optional space (the SSE spec allows both).
    if (line.length < 6 || line.toString('latin1', 0, 5) !== 'data:') return
    let at = line.indexOf(USAGE_KEY)
    while (at !== -1 && !usageIsObject(line, at)) at = line.indexOf(USAGE_KEY, at + 1)
    if (at === -1) return
    try {
      const event = JSON.parse(line.toString('utf8', 5))
      this.#take(event?.usage ?? event?.response?.usage ?? event?.message?.usage)
    } catch {
      // A data line that is not JSON: nothing to read.
    }
  }

  #take(usage: unknown): void {
    readUsageDetail(usage, this.#usage)
  }
}

/** True when the `"usage"` key at `at` is followed by `:` and an object (not `null`). */
function usageIsObject(buf: Buffer, at: number): boolean {
  let i = at + USAGE_KEY.length
  while (buf[i] === 0x20) i++
  if (buf[i++] !== 0x3a) return false // :
  while (buf[i] === 0x20) i++
  return buf[i] === 0x7b // {
}

/** Index of the `}` closing the object that opens at `open`, skipping strings; -1 if it does not close. */
function objectEnd(buf: Buffer, open: number): number {
  let depth = 0
  for (let i = open; i < buf.length; i++) {
    const c = buf[i]
    if (c === 0x22) {
      // skip a string
      for (i++; i < buf.length && buf[i] !== 0x22; i++) if (buf[i] === 0x5c) i++
    } else if (c === 0x7b) depth++
    else if (c === 0x7d && --depth === 0) return i
  }
  return -1
}

/**
 * An incremental Server-Sent Events decoder (WHATWG HTML "event stream interpretation"): bytes go
 * in as they arrive from the upstream, and each complete event comes out once its blank line has
 * arrived, so a translator works per event with nothing but the unfinished tail held back. A UTF-8
 * character or a line split across two chunks is reassembled. Lines end in LF or CRLF (a lone CR
 * ending is not supported: neither OpenAI nor Anthropic sends one). Comments (`:`) are skipped; an
 * unfinished event at the end of the stream is dropped, as the standard says.
 */

/** Receives one event: its `event:` name ('' when none) and its data lines joined by LF. */
export type SseListener = (event: string, data: string) => void

export class SseDecoder {
  /** Bytes after the last line feed seen: an unfinished line (maybe a split UTF-8 character). */
  #pending: Buffer | null = null
  #event = ''
  #data = ''
  #hasData = false

  /**
   * Decodes a chunk, calling `listener` for every event it completes. Only whole lines are decoded
   * (a line feed is never part of a multi-byte character), so no TextDecoder state is needed.
   *
   * @example
   * new SseDecoder().push(Buffer.from('event: ping\ndata: {}\n\n'), (event, data) => console.log(event, data))
   */
  push(chunk: Uint8Array, listener: SseListener): void {
    let bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    if (this.#pending !== null) {
      bytes = Buffer.concat([this.#pending, bytes])
      this.#pending = null
    }
    const last = bytes.lastIndexOf(10)
    if (last + 1 < bytes.length) this.#pending = Buffer.from(bytes.subarray(last + 1)) // a copy: the caller owns chunk
    if (last === -1) return
    const text = bytes.toString('utf8', 0, last + 1)
    let start = 0
    while (start < text.length) {
      const newline = text.indexOf('\n', start)
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline
      this.#line(text, start, end, listener)
      start = newline + 1
    }
  }

  /** The stream ended: an event without its blank line (or a line without its line feed) is dropped. */
  end(_listener: SseListener): void {
    this.#pending = null
    this.#reset()
  }

  #reset(): void {
    this.#event = ''
    this.#data = ''
    this.#hasData = false
  }

  /** One line, `text` from `start` to `end` (its line ending excluded): read in place, no copy of the line. */
  #line(text: string, start: number, end: number, listener: SseListener): void {
    if (end === start) {
      if (this.#hasData) listener(this.#event, this.#data)
      this.#reset()
      return
    }
    if (text.charCodeAt(start) === 58) return // ':' starts a comment
    let colon = text.indexOf(':', start)
    if (colon === -1 || colon > end) colon = end
    let from = colon + 1
    if (from < end && text.charCodeAt(from) === 32) from++
    const value = from >= end ? '' : text.slice(from, end)
    const field = colon - start
    if (field === 4 && text.startsWith('data', start)) {
      this.#data = this.#hasData ? `${this.#data}\n${value}` : value
      this.#hasData = true
    } else if (field === 5 && text.startsWith('event', start)) {
      this.#event = value
    }
  }
}

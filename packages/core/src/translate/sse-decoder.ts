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
  readonly #decoder = new TextDecoder()
  #tail = ''
  #event = ''
  #data = ''
  #hasData = false

  /**
   * Decodes a chunk, calling `listener` for every event it completes.
   *
   * @example
   * new SseDecoder().push(Buffer.from('event: ping\ndata: {}\n\n'), (event, data) => console.log(event, data))
   */
  push(chunk: Uint8Array, listener: SseListener): void {
    const text = this.#tail + this.#decoder.decode(chunk, { stream: true })
    let start = 0
    for (;;) {
      const newline = text.indexOf('\n', start)
      if (newline === -1) break
      const end = newline > start && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline
      this.#line(text.slice(start, end), listener)
      start = newline + 1
    }
    this.#tail = start === 0 ? text : text.slice(start)
  }

  /** The stream ended: flushes the decoder; an event without its blank line is dropped. */
  end(listener: SseListener): void {
    this.push(new Uint8Array(0), listener)
    this.#tail = ''
    this.#reset()
  }

  #reset(): void {
    this.#event = ''
    this.#data = ''
    this.#hasData = false
  }

  #line(line: string, listener: SseListener): void {
    if (line === '') {
      if (this.#hasData) listener(this.#event, this.#data)
      this.#reset()
      return
    }
    if (line.charCodeAt(0) === 58) return // ':' starts a comment
    const colon = line.indexOf(':')
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? '' : line.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') {
      this.#data = this.#hasData ? `${this.#data}\n${value}` : value
      this.#hasData = true
    } else if (field === 'event') {
      this.#event = value
    }
  }
}

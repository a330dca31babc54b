/**
 * The client side of a proxied response: writes the upstream's status, headers and body into the
 * client's ServerResponse as they arrive, with backpressure (the upstream is paused while the
 * client's socket is full, resumed on `drain`). A JSON response's headers are held until its first
 * body bytes, so a failure before them can still be retried; an event stream's go out at once (the
 * client should see its 200 while a model thinks). Once anything went out, the response is
 * committed: the only honest signal of a later failure is to cut it.
 */
import type { ServerResponse } from 'node:http'

export class ClientWriter {
  readonly #res: ServerResponse
  #heldHeaders: string[] | null = null
  #heldStatus = 0
  #heldText = ''
  /** undici's resume for the attempt whose body is being written; called on `drain`. */
  #resume: (() => void) | null = null
  #onDrain: (() => void) | null = null
  #committed = false
  /** A body chunk (or the end) was written: the head went out with it. */
  #bodyWritten = false

  constructor(res: ServerResponse) {
    this.#res = res
  }

  /** Sends an event stream's head if no event has taken it along yet (a static: no closure per request). */
  static #flushHead(writer: ClientWriter): void {
    if (!writer.#bodyWritten && !writer.#res.destroyed) writer.#res.flushHeaders()
  }

  /** Response bytes (or headers) went to the client: no retry from here on. */
  get committed(): boolean {
    return this.#committed
  }

  /**
   * The chosen response's head: sent now for an event stream, held for anything else.
   *
   * @param resume undici's resume for this response, for backpressure
   */
  head(status: number, text: string, headers: string[], eventStream: boolean, resume: () => void): void {
    this.#resume = resume
    if (eventStream) {
      this.#writeHead(status, text, headers)
      // A stream's first event may be seconds away (a model thinking): the client should see the
      // status now. But events that came in the same read as the headers are delivered before any
      // tick ends, and the first res.write sends the head with them in one socket write;
      // flushing here would cost a write (a syscall) of its own per stream (bench/node/profile-load.ts).
      process.nextTick(ClientWriter.#flushHead, this)
    } else {
      this.#heldHeaders = headers
      this.#heldStatus = status
      this.#heldText = text
    }
  }

  /** Writes one body chunk; false when the client's socket is full (the upstream should pause). */
  write(chunk: Buffer): boolean {
    this.#bodyWritten = true
    if (this.#heldHeaders !== null) this.#releaseHeld()
    const res = this.#res
    const ok = res.write(chunk)
    // A compression middleware mounted before Velox buffers unless told to flush (the `compression` package's API).
    ;(res as { flush?: () => void }).flush?.()
    if (!ok) {
      this.#onDrain ??= () => this.#resume?.()
      res.once('drain', this.#onDrain)
      return false
    }
    return true
  }

  /** Ends the response (an empty body included). */
  end(): void {
    this.#bodyWritten = true
    if (this.#heldHeaders !== null) this.#releaseHeld()
    this.#res.end()
  }

  /** Forgets a held head: the attempt failed before its body, another answer will be written. */
  dropHeld(): void {
    this.#heldHeaders = null
  }

  /** Cuts a committed response (the upstream failed mid-body). */
  cut(): void {
    this.#res.destroy()
  }

  /** Stops listening to the client. */
  close(): void {
    if (this.#onDrain !== null) this.#res.off('drain', this.#onDrain)
  }

  #releaseHeld(): void {
    this.#writeHead(this.#heldStatus, this.#heldText, this.#heldHeaders!)
    this.#heldHeaders = null
  }

  #writeHead(status: number, text: string, headers: string[]): void {
    this.#committed = true
    const res = this.#res
    if (text && !('stream' in res)) res.writeHead(status, text, headers)
    else res.writeHead(status, headers)
  }
}

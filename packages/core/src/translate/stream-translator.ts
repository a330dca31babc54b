/**
 * The contract of a streaming translator: the respond step hands it upstream bytes as they
 * arrive and writes what it returns at once, so translation works per event, never on the whole
 * stream, and backpressure stays the response's (the translator holds only an unfinished event).
 */
import type { TokenCounts } from './usage-map.js'

export interface StreamTranslator {
  /** Translates a chunk of upstream bytes; returns the bytes for the client now ('' when none yet). */
  push(chunk: Uint8Array): string
  /** The upstream stream ended; returns the last bytes (an error event when it ended too soon). */
  end(): string
  /** Token usage read so far, in translated terms. */
  readonly counts: TokenCounts
  /** True once the translated stream carried an error event. */
  readonly failed: boolean
}

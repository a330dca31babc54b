/**
 * The deterministic "model": the reply is `Mock reply to: <last user text>` split into word pieces, one
 * piece per streamed delta and per completion token. Token counts follow fixed rules so tests can assert
 * them exactly:
 *
 * - prompt tokens = ceil(total UTF-8 bytes of all message texts / 4) (the usual 4-bytes-a-token estimate);
 * - completion tokens = number of word pieces sent.
 */
import { MAX_CHUNKS } from './controls.js'

/** A generated reply. */
export interface Completion {
  readonly pieces: readonly string[]
  readonly text: string
  /** True when max tokens cut the reply short. */
  readonly truncated: boolean
}

/** The text of a message `content`: a string, or the `text` of each part of an array, joined by a space. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  const texts: string[] = []
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof part.text === 'string') texts.push(part.text)
  }
  return texts.join(' ')
}

/** UTF-8 bytes of the texts of a message `content` (parts counted without separators). */
export function contentBytes(content: unknown): number {
  if (typeof content === 'string') return Buffer.byteLength(content)
  if (!Array.isArray(content)) return 0
  let bytes = 0
  for (const part of content) {
    if (typeof part === 'object' && part !== null && typeof part.text === 'string') {
      bytes += Buffer.byteLength(part.text)
    }
  }
  return bytes
}

/** The token estimate used for every prompt count: one token per 4 UTF-8 bytes, rounded up. */
export function estimateTokens(bytes: number): number {
  return Math.ceil(bytes / 4)
}

/**
 * Splits text into word pieces, each word carrying the whitespace before it (as BPE tokens do), so the
 * pieces concatenate back to the exact text.
 *
 * @example
 * splitPieces('Mock reply to: hi') // ['Mock', ' reply', ' to:', ' hi']
 */
export function splitPieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? []
}

/**
 * Builds the reply to `prompt`. `chunks` (from `x-mock-chunks`) forces the number of pieces by cutting the
 * reply or repeating it; `maxTokens` then caps it, as the real API's `max_tokens` would.
 *
 * @example
 * complete('hi', undefined, undefined).text // 'Mock reply to: hi'
 * complete('hi', 6, undefined).text // 'Mock reply to: hi Mock reply'
 * complete('hi', undefined, 2) // { text: 'Mock reply', truncated: true, ... }
 */
export function complete(
  prompt: string,
  chunks: number | undefined,
  maxTokens: number | undefined,
): Completion {
  const base = splitPieces(prompt.trim() === '' ? 'Mock reply' : `Mock reply to: ${prompt}`)
  let pieces = base
  if (chunks !== undefined) {
    const count = Math.min(chunks, MAX_CHUNKS)
    pieces = new Array<string>(count)
    for (let index = 0; index < count; index++) {
      const piece = base[index % base.length]
      // A repeat starts a new sentence; keep it separated from the previous one.
      pieces[index] = index >= base.length && !/^\s/.test(piece) ? ` ${piece}` : piece
    }
  }
  const truncated = maxTokens !== undefined && pieces.length > maxTokens
  if (truncated) pieces = pieces.slice(0, maxTokens)
  return { pieces, text: pieces.join(''), truncated }
}

/**
 * The field scanner: reads the few top-level fields the gateway needs (model, stream,
 * stream_options.include_usage, max tokens, user) from a JSON body in one pass, without building
 * the object. Strings, which are nearly all of a chat body's bytes, are skipped with
 * `Buffer.indexOf` (memchr) jumps to the next quote or backslash; structure outside strings is
 * checked byte by byte, nesting with an explicit stack (no recursion, so 100,000 levels cost a
 * 100 KB stack array, not a crash). Duplicate keys: the last one wins, as with JSON.parse.
 *
 * What it does not check, by design: raw control characters and invalid UTF-8 inside strings.
 * Finding them needs a look at every byte, which is what the scanner exists to avoid; the upstream
 * rejects such bodies with its own 400, and the gateway forwards the bytes unchanged.
 */

export interface ExtractedFields {
  /** The top-level value is an object (false: an array or a scalar). */
  isObject: boolean
  model: string | undefined
  /**
   * Byte offsets of the model's string token, quotes included ([start, end)); -1 when there is no
   * model, or when a backend that cannot see offsets (simdjson) read it: `spliceModel()` then finds it.
   */
  modelStart: number
  modelEnd: number
  stream: boolean | undefined
  includeUsage: boolean | undefined
  maxTokens: number | undefined
  maxCompletionTokens: number | undefined
  maxOutputTokens: number | undefined
  user: string | undefined
  /** The first known field whose value has the wrong type (e.g. `"stream": "yes"`), else undefined. */
  invalidParam: string | undefined
}

/** Every reason the scanner gives, in a fixed order (the offload worker sends the index across threads). */
export const SYNTAX_REASONS = [
  'Unterminated string',
  'Bad unicode escape',
  'Bad escape',
  'Bad number',
  'Unexpected end of JSON',
  'Unexpected data after the JSON value',
  'Expected , or a closing bracket',
  'Expected :',
  'Expected a string key',
  'Unexpected token',
] as const

export type SyntaxReason = (typeof SYNTAX_REASONS)[number]

export class JsonSyntaxError extends Error {
  readonly reason: SyntaxReason
  readonly offset: number
  constructor(reason: SyntaxReason, offset: number) {
    super(`${reason} at byte ${offset}`)
    this.name = 'JsonSyntaxError'
    this.reason = reason
    this.offset = offset
  }
}

export const QUOTE = 0x22
const BACKSLASH = 0x5c
export const OBJECT = 1
export const ARRAY = 2
// The constants and helpers exported here are shared with the SIMD walker (simd/walk-fields.ts),
// which runs the same state machine over stage-1 offsets: one definition of the grammar's pieces.

// Parser states.
export const VALUE = 0
export const FIRST_KEY = 1 // just after '{': a key or '}'
export const KEY = 2 // after ',' in an object: a key
export const COLON = 3
export const ARRAY_START = 4 // just after '[': a value or ']'
export const AFTER_VALUE = 5

// Known keys. Top-level ones, then the one inside stream_options.
export const K_NONE = 0
export const K_MODEL = 1
export const K_STREAM = 2
export const K_STREAM_OPTIONS = 3
export const K_MAX_TOKENS = 4
export const K_MAX_COMPLETION_TOKENS = 5
export const K_MAX_OUTPUT_TOKENS = 6
export const K_USER = 7
export const K_INCLUDE_USAGE = 8

const KEY_NAMES = [
  '',
  'model',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'user',
  'stream_options.include_usage',
]
const TOP_KEYS: ReadonlyArray<readonly [Buffer, number]> = [
  [Buffer.from('model'), K_MODEL],
  [Buffer.from('stream'), K_STREAM],
  [Buffer.from('stream_options'), K_STREAM_OPTIONS],
  [Buffer.from('max_tokens'), K_MAX_TOKENS],
  [Buffer.from('max_completion_tokens'), K_MAX_COMPLETION_TOKENS],
  [Buffer.from('max_output_tokens'), K_MAX_OUTPUT_TOKENS],
  [Buffer.from('user'), K_USER],
]
const INCLUDE_USAGE = Buffer.from('include_usage')

// Positions of the next quote and backslash at or after the scan point, reused across strings so
// the search for each byte kind runs over the body about once in all. Module state is safe: a scan
// is synchronous and resets them first.
let nextQuote = -1
let nextBackslash = -1

export function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39
}

/**
 * Bytes looked at one by one, in JS, before a native Buffer.indexOf jump. Chat text has a quote,
 * newline or backslash every few dozen bytes, and a call into indexOf costs more than a short loop;
 * long runs without one (base64 images, long prose) still go at memchr speed.
 */
const NEAR = 32

/** Index just after the escape whose backslash is at `at` (validated). */
function escapeEnd(buf: Buffer, at: number, start: number): number {
  const e = at + 1
  if (e >= buf.length) throw new JsonSyntaxError('Unterminated string', start)
  const c = buf[e]
  if (c === 0x75) {
    // \uXXXX
    if (!(isHex(buf[e + 1]!) && isHex(buf[e + 2]!) && isHex(buf[e + 3]!) && isHex(buf[e + 4]!))) {
      throw new JsonSyntaxError('Bad unicode escape', at)
    }
    return e + 5
  }
  if (
    c === QUOTE ||
    c === BACKSLASH ||
    c === 0x2f ||
    c === 0x62 ||
    c === 0x66 ||
    c === 0x6e ||
    c === 0x72 ||
    c === 0x74
  ) {
    return e + 1
  }
  throw new JsonSyntaxError('Bad escape', at)
}

/** Index of the closing quote of the string whose opening quote is at `start`. Sets `hadEscape`. */
let hadEscape = false
function stringEnd(buf: Buffer, start: number): number {
  const end = buf.length
  let i = start + 1
  let near = NEAR
  hadEscape = false
  for (;;) {
    if (near === 0) {
      // A long run with no quote or backslash: memchr jumps to the next one. The cached positions
      // stay valid while the scan point has not passed them.
      if (nextQuote < i) {
        nextQuote = buf.indexOf(QUOTE, i)
        if (nextQuote === -1) throw new JsonSyntaxError('Unterminated string', start)
      }
      if (nextBackslash !== -2 && nextBackslash < i) {
        nextBackslash = buf.indexOf(BACKSLASH, i)
        if (nextBackslash === -1) nextBackslash = -2 // none left in the body
      }
      i = nextBackslash === -2 || nextBackslash > nextQuote ? nextQuote : nextBackslash
      near = NEAR
    }
    if (i >= end) throw new JsonSyntaxError('Unterminated string', start)
    const c = buf[i]
    if (c === QUOTE) return i
    if (c === BACKSLASH) {
      hadEscape = true
      i = escapeEnd(buf, i, start)
      near = NEAR
    } else {
      i++
      near--
    }
  }
}

/** End index (exclusive) of the number starting at `start`, checked against JSON's grammar. */
export function numberEnd(buf: Buffer, start: number): number {
  let p = start
  if (buf[p] === 0x2d) p++ // -
  if (buf[p] === 0x30) p++
  else if (isDigit(buf[p] ?? 0)) while (isDigit(buf[p] ?? 0)) p++
  else throw new JsonSyntaxError('Bad number', start)
  if (buf[p] === 0x2e) {
    // .
    p++
    if (!isDigit(buf[p] ?? 0)) throw new JsonSyntaxError('Bad number', start)
    while (isDigit(buf[p] ?? 0)) p++
  }
  if (buf[p] === 0x65 || buf[p] === 0x45) {
    // e E
    p++
    if (buf[p] === 0x2b || buf[p] === 0x2d) p++
    if (!isDigit(buf[p] ?? 0)) throw new JsonSyntaxError('Bad number', start)
    while (isDigit(buf[p] ?? 0)) p++
  }
  return p
}

export function literalAt(buf: Buffer, p: number, word: string): boolean {
  for (let i = 0; i < word.length; i++) if (buf[p + i] !== word.charCodeAt(i)) return false
  return true
}

function decodeString(buf: Buffer, start: number, end: number, escaped: boolean): string {
  return escaped ? JSON.parse(buf.toString('utf8', start, end)) : buf.toString('utf8', start + 1, end - 1)
}

export function topKeyId(buf: Buffer, start: number, end: number, escaped: boolean): number {
  if (escaped) {
    const name = decodeString(buf, start, end + 1, true)
    const found = TOP_KEYS.find(([key]) => key.toString() === name)
    return found ? found[1] : K_NONE
  }
  const length = end - start - 1
  for (const [key, id] of TOP_KEYS) {
    if (key.length === length && sameBytes(buf, start + 1, key)) return id
  }
  return K_NONE
}

/** `key` equals the bytes of `buf` from `at` (a JS loop: keys are short, a native compare costs more). */
function sameBytes(buf: Buffer, at: number, key: Buffer): boolean {
  for (let i = 0; i < key.length; i++) if (buf[at + i] !== key[i]) return false
  return true
}

export function isIncludeUsage(buf: Buffer, start: number, end: number, escaped: boolean): boolean {
  if (escaped) return decodeString(buf, start, end + 1, true) === 'include_usage'
  return end - start - 1 === INCLUDE_USAGE.length && sameBytes(buf, start + 1, INCLUDE_USAGE)
}

/** A tri-state boolean in a number: not given, false, true. */
export const UNSET = -1

/**
 * What a scan finds, as numbers and byte offsets only (no strings), so it can be filled on one
 * thread and read on another: the offload worker copies these fields into a result record, and the
 * main thread decodes the strings from the body it still holds (`decodeFields`).
 */
export class ScanResult {
  isObject = false
  /** The model's string token, quotes included ([start, end)), -1 if absent; escaped: holds a backslash. */
  modelStart = -1
  modelEnd = -1
  modelEscaped = false
  userStart = -1
  userEnd = -1
  userEscaped = false
  /** UNSET, 0 or 1. */
  stream = UNSET
  includeUsage = UNSET
  /** UNSET or a non-negative safe integer. */
  maxTokens = UNSET
  maxCompletionTokens = UNSET
  maxOutputTokens = UNSET
  /** One bit per known key (1 << id) whose latest value had the wrong type. */
  invalid = 0

  reset(): void {
    this.isObject = false
    this.modelStart = -1
    this.modelEnd = -1
    this.modelEscaped = false
    this.userStart = -1
    this.userEnd = -1
    this.userEscaped = false
    this.stream = UNSET
    this.includeUsage = UNSET
    this.maxTokens = UNSET
    this.maxCompletionTokens = UNSET
    this.maxOutputTokens = UNSET
    this.invalid = 0
  }
}

/** Forgets a field's value: JSON.parse keeps only the last duplicate, so a later bad or null value wins. */
export function clearField(out: ScanResult, field: number): void {
  if (field === K_MODEL) {
    out.modelStart = -1
    out.modelEnd = -1
  } else if (field === K_STREAM) out.stream = UNSET
  else if (field === K_STREAM_OPTIONS || field === K_INCLUDE_USAGE) out.includeUsage = UNSET
  else if (field === K_MAX_TOKENS) out.maxTokens = UNSET
  else if (field === K_MAX_COMPLETION_TOKENS) out.maxCompletionTokens = UNSET
  else if (field === K_MAX_OUTPUT_TOKENS) out.maxOutputTokens = UNSET
  else if (field === K_USER) out.userStart = -1
  // A new stream_options value replaces the old one, and with it any complaint about its include_usage.
  if (field === K_STREAM_OPTIONS) out.invalid &= ~(1 << K_INCLUDE_USAGE)
}

/** A known field got a value of the wrong type: it no longer holds the earlier value, and is reported. */
export function wrongType(out: ScanResult, field: number): void {
  clearField(out, field)
  out.invalid |= 1 << field
}

/**
 * The scan itself: checks that `buf` is one JSON text and fills `out` with the known top-level
 * fields as offsets and numbers. Throws JsonSyntaxError with the byte offset on any structural error.
 * `extractFields()` is the friendly form; this one is for callers that move results across threads.
 */
export function scanFields(buf: Buffer, out: ScanResult): void {
  out.reset()
  const end = buf.length
  let stack = new Uint8Array(32)
  let depth = 0
  let state = VALUE
  let key = K_NONE // the known key whose value comes next
  let streamOptionsDepth = -1 // depth of the stream_options object while inside it
  let pos = 0
  nextQuote = -1
  nextBackslash = -1

  for (;;) {
    while (pos < end && isWhitespace(buf[pos]!)) pos++
    if (pos >= end) {
      if (state === AFTER_VALUE && depth === 0) break
      throw new JsonSyntaxError('Unexpected end of JSON', pos)
    }
    const c = buf[pos]!

    if (state === AFTER_VALUE) {
      if (depth === 0) throw new JsonSyntaxError('Unexpected data after the JSON value', pos)
      const top = stack[depth - 1]
      if (c === 0x2c) {
        // ,
        state = top === OBJECT ? KEY : VALUE
      } else if ((c === 0x7d && top === OBJECT) || (c === 0x5d && top === ARRAY)) {
        // } ]
        if (depth === streamOptionsDepth) streamOptionsDepth = -1
        depth--
      } else {
        throw new JsonSyntaxError('Expected , or a closing bracket', pos)
      }
      pos++
      continue
    }

    if (state === COLON) {
      if (c !== 0x3a) throw new JsonSyntaxError('Expected :', pos)
      state = VALUE
      pos++
      continue
    }

    if (state === FIRST_KEY && c === 0x7d) {
      if (depth === streamOptionsDepth) streamOptionsDepth = -1
      depth--
      state = AFTER_VALUE
      pos++
      continue
    }

    if (state === FIRST_KEY || state === KEY) {
      if (c !== QUOTE) throw new JsonSyntaxError('Expected a string key', pos)
      const close = stringEnd(buf, pos)
      if (depth === 1) key = topKeyId(buf, pos, close, hadEscape)
      else if (depth === streamOptionsDepth && isIncludeUsage(buf, pos, close, hadEscape))
        key = K_INCLUDE_USAGE
      else key = K_NONE
      pos = close + 1
      state = COLON
      continue
    }

    if (state === ARRAY_START && c === 0x5d) {
      depth--
      state = AFTER_VALUE
      pos++
      continue
    }

    // state is VALUE or ARRAY_START: a value starts here.
    const field = key
    key = K_NONE
    if (c === 0x7b || c === 0x5b) {
      // { [
      if (depth === stack.length) {
        const bigger = new Uint8Array(stack.length * 2)
        bigger.set(stack)
        stack = bigger
      }
      stack[depth++] = c === 0x7b ? OBJECT : ARRAY
      state = c === 0x7b ? FIRST_KEY : ARRAY_START
      if (depth === 1 && c === 0x7b) out.isObject = true
      if (field === K_STREAM_OPTIONS && c === 0x7b) {
        streamOptionsDepth = depth
        clearField(out, K_STREAM_OPTIONS)
        out.invalid &= ~(1 << K_STREAM_OPTIONS)
      } else if (field !== K_NONE) {
        wrongType(out, field)
      }
      pos++
      continue
    }

    state = AFTER_VALUE
    if (c === QUOTE) {
      const close = stringEnd(buf, pos)
      if (field === K_MODEL) {
        out.modelStart = pos
        out.modelEnd = close + 1
        out.modelEscaped = hadEscape
        out.invalid &= ~(1 << K_MODEL)
      } else if (field === K_USER) {
        out.userStart = pos
        out.userEnd = close + 1
        out.userEscaped = hadEscape
        out.invalid &= ~(1 << K_USER)
      } else if (field !== K_NONE) {
        wrongType(out, field)
      }
      pos = close + 1
    } else {
      pos = readScalar(buf, pos, field, out)
    }
  }
}

/**
 * Reads the number, true, false or null value of a top-level member at `pos` into `out` (when
 * `field` is one of ours) and returns the position after it. Shared by the JS scanner and the
 * SIMD walker (simd/walk-fields.ts), so both keep the same semantics and errors.
 */
export function readScalar(buf: Buffer, pos: number, field: number, out: ScanResult): number {
  const c = buf[pos]!
  if (c === 0x2d || isDigit(c)) {
    const close = numberEnd(buf, pos)
    if (field === K_MAX_TOKENS || field === K_MAX_COMPLETION_TOKENS || field === K_MAX_OUTPUT_TOKENS) {
      // Number() reads every JSON number form (1e3, 1.0, -0) as JSON.parse does; + 0 turns -0 into 0.
      const n = Number(buf.toString('latin1', pos, close)) + 0
      if (Number.isSafeInteger(n) && n >= 0) {
        if (field === K_MAX_TOKENS) out.maxTokens = n
        else if (field === K_MAX_COMPLETION_TOKENS) out.maxCompletionTokens = n
        else out.maxOutputTokens = n
        out.invalid &= ~(1 << field)
      } else {
        wrongType(out, field)
      }
    } else if (field !== K_NONE) {
      wrongType(out, field)
    }
    return close
  }
  if (c === 0x74 || c === 0x66) {
    // true false
    const value = c === 0x74
    const word = value ? 'true' : 'false'
    if (!literalAt(buf, pos, word)) throw new JsonSyntaxError('Unexpected token', pos)
    if (field === K_STREAM) {
      out.stream = value ? 1 : 0
      out.invalid &= ~(1 << K_STREAM)
    } else if (field === K_INCLUDE_USAGE) {
      out.includeUsage = value ? 1 : 0
      out.invalid &= ~(1 << K_INCLUDE_USAGE)
    } else if (field !== K_NONE) {
      wrongType(out, field)
    }
    return pos + word.length
  }
  if (c === 0x6e) {
    // null: as if the field were absent (OpenAI treats an explicit null as "not given")
    if (!literalAt(buf, pos, 'null')) throw new JsonSyntaxError('Unexpected token', pos)
    if (field !== K_NONE) {
      clearField(out, field)
      out.invalid &= ~(1 << field)
    }
    return pos + 4
  }
  throw new JsonSyntaxError('Unexpected token', pos)
}

function triState(value: number): boolean | undefined {
  return value === UNSET ? undefined : value === 1
}

/** The name of the first known field (in KEY_NAMES order) whose bit is set in `invalid`. */
export function invalidParamName(invalid: number): string | undefined {
  if (invalid === 0) return undefined
  for (let id = 1; id < KEY_NAMES.length; id++) if (invalid & (1 << id)) return KEY_NAMES[id]
  return undefined
}

/** Turns a scan's offsets into the fields, decoding the model and user strings from `buf`. */
export function decodeFields(buf: Buffer, r: ScanResult): ExtractedFields {
  return {
    isObject: r.isObject,
    model: r.modelStart === -1 ? undefined : decodeString(buf, r.modelStart, r.modelEnd, r.modelEscaped),
    modelStart: r.modelStart,
    modelEnd: r.modelEnd,
    stream: triState(r.stream),
    includeUsage: triState(r.includeUsage),
    maxTokens: r.maxTokens === UNSET ? undefined : r.maxTokens,
    maxCompletionTokens: r.maxCompletionTokens === UNSET ? undefined : r.maxCompletionTokens,
    maxOutputTokens: r.maxOutputTokens === UNSET ? undefined : r.maxOutputTokens,
    user: r.userStart === -1 ? undefined : decodeString(buf, r.userStart, r.userEnd, r.userEscaped),
    invalidParam: invalidParamName(r.invalid),
  }
}

// One result object reused by every inline scan: a scan is synchronous and decodeFields copies out of it.
const scratch = new ScanResult()

/**
 * Scans `buf` (one whole JSON text) and returns the fields. Throws JsonSyntaxError on any
 * structural error, with the byte offset.
 *
 * @example
 * const f = extractFields(Buffer.from('{"model":"gpt-4o","stream":true}'))
 * f.model // 'gpt-4o'; f.stream // true
 */
export function extractFields(buf: Buffer): ExtractedFields {
  scanFields(buf, scratch)
  return decodeFields(buf, scratch)
}

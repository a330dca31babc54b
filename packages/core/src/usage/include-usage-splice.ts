/**
 * Asks the upstream for usage on a streamed chat that did not ask for it, by splicing
 * `"stream_options":{"include_usage":true}` into the request body: the same byte splice as a model
 * alias (json/splice-model.ts), so every other byte the client sent reaches the upstream unchanged.
 * The scanner (json/extract-fields.ts) has already checked the body is one JSON object and read
 * `stream` and `include_usage`; this file only walks the top level once more, when a splice is
 * needed, to find where `stream_options` and its `include_usage` sit. Duplicate keys: the last one
 * wins (as with JSON.parse), so the last one is the one changed.
 */

const QUOTE = 0x22
const BACKSLASH = 0x5c
const OPEN_OBJECT = 0x7b
const CLOSE_OBJECT = 0x7d
const OPEN_ARRAY = 0x5b
const CLOSE_ARRAY = 0x5d

const WHOLE = Buffer.from('"stream_options":{"include_usage":true}')
const OPTIONS_VALUE = Buffer.from('{"include_usage":true}')
const MEMBER = Buffer.from('"include_usage":true')
const TRUE = Buffer.from('true')

function isWhitespace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

function skipWhitespace(buf: Buffer, pos: number): number {
  while (isWhitespace(buf[pos])) pos++
  return pos
}

/** Index just after the closing quote of the string that opens at `start`. */
function stringEnd(buf: Buffer, start: number): number {
  let i = start + 1
  for (;;) {
    const q = buf.indexOf(QUOTE, i)
    if (q === -1) throw new RangeError('include-usage splice: unterminated string')
    let slashes = 0
    while (buf[q - 1 - slashes] === BACKSLASH) slashes++
    if (slashes % 2 === 0) return q + 1
    i = q + 1
  }
}

/** Index just after the JSON value that starts at `start` (the body is known to be valid JSON). */
function valueEnd(buf: Buffer, start: number): number {
  const c = buf[start]
  if (c === QUOTE) return stringEnd(buf, start)
  if (c !== OPEN_OBJECT && c !== OPEN_ARRAY) {
    let i = start
    while (i < buf.length) {
      const d = buf[i]!
      if (d === 0x2c || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isWhitespace(d)) break
      i++
    }
    return i
  }
  let depth = 0
  let i = start
  while (i < buf.length) {
    const d = buf[i]!
    if (d === QUOTE) {
      i = stringEnd(buf, i)
      continue
    }
    if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++
    else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1
    i++
  }
  throw new RangeError('include-usage splice: unterminated value')
}

function keyIs(buf: Buffer, start: number, end: number, name: string): boolean {
  // Fast path: an unescaped key compares as bytes; an escaped one is decoded.
  const slash = buf.indexOf(BACKSLASH, start)
  if (slash !== -1 && slash < end) {
    return JSON.parse(buf.toString('utf8', start, end)) === name
  }
  return end - start - 2 === name.length && buf.toString('latin1', start + 1, end - 1) === name
}

/** Byte range [start, end) of the last member value named `name` in the object opening at `open`. */
interface Member {
  start: number
  end: number
}

function lastMember(buf: Buffer, open: number, name: string): Member | undefined {
  let found: Member | undefined
  let pos = skipWhitespace(buf, open + 1)
  if (buf[pos] === CLOSE_OBJECT) return undefined
  for (;;) {
    const keyEnd = stringEnd(buf, pos)
    const valueStart = skipWhitespace(buf, skipWhitespace(buf, keyEnd) + 1) // past the ':'
    const end = valueEnd(buf, valueStart)
    if (keyIs(buf, pos, keyEnd, name)) found = { start: valueStart, end }
    pos = skipWhitespace(buf, end)
    if (buf[pos] !== 0x2c) return found // '}'
    pos = skipWhitespace(buf, pos + 1)
  }
}

function replace(body: Buffer, start: number, end: number, insert: Buffer, suffix?: Buffer): Buffer {
  const parts = [body.subarray(0, start), insert]
  if (suffix !== undefined) parts.push(suffix)
  parts.push(body.subarray(end))
  return Buffer.concat(parts)
}

const COMMA = Buffer.from(',')

/**
 * `body` (one JSON object, already checked by the scanner) with `stream_options.include_usage` set
 * to true and every other byte unchanged:
 * - no `stream_options` (or `null`): `"stream_options":{"include_usage":true}` goes in first;
 * - `stream_options` without `include_usage`: `"include_usage":true` goes in first inside it;
 * - `include_usage` false or null: the value becomes `true`.
 * Returns `body` itself when include_usage is already true. Throws a RangeError on a body that is
 * not a JSON object, or a `stream_options` that is not an object or null.
 *
 * @example
 * spliceIncludeUsage(Buffer.from('{"model":"m","stream":true}')).toString()
 * // '{"stream_options":{"include_usage":true},"model":"m","stream":true}'
 */
export function spliceIncludeUsage(body: Buffer): Buffer {
  const open = skipWhitespace(body, 0)
  if (body[open] !== OPEN_OBJECT) throw new RangeError('include-usage splice: the body is not a JSON object')
  const options = lastMember(body, open, 'stream_options')
  if (options === undefined || body.toString('latin1', options.start, options.end) === 'null') {
    if (options !== undefined) return replace(body, options.start, options.end, OPTIONS_VALUE)
    const first = skipWhitespace(body, open + 1)
    // `{}` takes the member alone; otherwise it goes before the first member, with a comma.
    return body[first] === CLOSE_OBJECT
      ? replace(body, open + 1, open + 1, WHOLE)
      : replace(body, open + 1, open + 1, WHOLE, COMMA)
  }
  if (body[options.start] !== OPEN_OBJECT) {
    throw new RangeError('include-usage splice: stream_options is not an object')
  }
  const include = lastMember(body, options.start, 'include_usage')
  if (include === undefined) {
    const first = skipWhitespace(body, options.start + 1)
    const at = options.start + 1
    return body[first] === CLOSE_OBJECT ? replace(body, at, at, MEMBER) : replace(body, at, at, MEMBER, COMMA)
  }
  if (body.toString('latin1', include.start, include.end) === 'true') return body
  return replace(body, include.start, include.end, TRUE)
}

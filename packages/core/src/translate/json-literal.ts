/**
 * The fast path of the stream translators: most events of a stream are one text delta in a
 * fixed shape, and the text's JSON string literal can be copied from the upstream's event into
 * the client's as it is (JSON escapes are the same in both), without parsing the event and
 * serializing an object again. Callers check the whole shape around the literal and fall back to
 * JSON.parse for anything else.
 */

/**
 * The index just past the JSON string literal whose opening quote is at `start`, or -1 when it
 * does not close in `text`.
 *
 * @example
 * stringLiteralEnd('{"text":"a\\"b"}', 8) // 14
 */
export function stringLiteralEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== 34) return -1 // "
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 92)
      i++ // a backslash escapes the next character (\" \\ \uXXXX...)
    else if (c === 34) return i + 1
  }
  return -1
}

/** True when `text` from `start` to `end` is one or more ASCII digits. */
export function isDigits(text: string, start: number, end: number): boolean {
  if (end <= start) return false
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c < 48 || c > 57) return false
  }
  return true
}

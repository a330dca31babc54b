/**
 * Rewrites the model of a request body (an alias resolved, a routing rule's target) without
 * re-serializing the rest: the bytes before and after the model's string token are copied as they
 * are, so everything else the client sent reaches the upstream byte for byte, for one copy.
 */
import { type ExtractedFields, extractFields } from './extract-fields.js'

/**
 * A new Buffer equal to `body` with the model's string token replaced by `JSON.stringify(newModel)`.
 * Give it the fields of a scan of this same `body` (when they hold no offsets, as from the simdjson
 * backend, the body is scanned once more to find them), or the token's byte range itself.
 * Throws a RangeError when there is no top-level string `model` at those offsets.
 *
 * @example
 * const body = Buffer.from('{"model":"fast","messages":[]}')
 * spliceModel(body, extractFields(body), 'gpt-4o-mini').toString() // '{"model":"gpt-4o-mini","messages":[]}'
 * spliceModel(body, 9, 15, 'gpt-4o-mini') // the same, from ExtractedFields.modelStart / modelEnd
 */
export function spliceModel(body: Buffer, fields: ExtractedFields, newModel: string): Buffer
export function spliceModel(body: Buffer, start: number, end: number, newModel: string): Buffer
export function spliceModel(
  body: Buffer,
  fieldsOrStart: ExtractedFields | number,
  endOrModel: number | string,
  model?: string,
): Buffer {
  let start: number
  let end: number
  let newModel: string
  if (typeof fieldsOrStart === 'number') {
    start = fieldsOrStart
    end = endOrModel as number
    newModel = model!
  } else {
    ;({ modelStart: start, modelEnd: end } = fieldsOrStart)
    if (start < 0 && fieldsOrStart.model !== undefined)
      ({ modelStart: start, modelEnd: end } = extractFields(body))
    newModel = endOrModel as string
  }
  if (start < 0 || end > body.length || end - start < 2 || body[start] !== 0x22 || body[end - 1] !== 0x22) {
    throw new RangeError('spliceModel: the body has no top-level string "model" at the given offsets')
  }
  // JSON.stringify escapes quotes, backslashes, control characters and lone surrogates (well-formed).
  const token = JSON.stringify(newModel)
  const tokenBytes = Buffer.byteLength(token)
  const out = Buffer.allocUnsafe(start + tokenBytes + (body.length - end))
  body.copy(out, 0, 0, start)
  out.write(token, start, 'utf8')
  body.copy(out, start + tokenBytes, end)
  return out
}

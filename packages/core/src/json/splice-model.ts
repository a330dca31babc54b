/**
 * Rewrites the model of a request body (an alias resolved, a routing rule's target) without
 * re-serializing the rest: the bytes before and after the model's string token are copied as they
 * are, so everything else the client sent reaches the upstream byte for byte.
 */
import { type ExtractedFields, extractFields } from './extract-fields.js'

/**
 * A new Buffer equal to `body` with the model's string token replaced by `JSON.stringify(newModel)`.
 * `fields` must come from a scan of this same `body`; when it holds no offsets (the simdjson
 * backend reads no positions) the body is scanned once more to find them. Throws a RangeError when
 * the body has no top-level string `model`.
 *
 * @example
 * const body = Buffer.from('{"model":"fast","messages":[]}')
 * spliceModel(body, extractFields(body), 'gpt-4o-mini').toString()
 * // '{"model":"gpt-4o-mini","messages":[]}'
 */
export function spliceModel(body: Buffer, fields: ExtractedFields, newModel: string): Buffer {
  let { modelStart: start, modelEnd: end } = fields
  if (start < 0 && fields.model !== undefined) ({ modelStart: start, modelEnd: end } = extractFields(body))
  if (start < 0 || end > body.length || body[start] !== 0x22 || body[end - 1] !== 0x22) {
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

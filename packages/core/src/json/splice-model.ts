/**
 * Replaces the model of a JSON body with another name, byte for byte everywhere else: the bytes
 * before and after the model's string token are copied as they are, so an alias costs one copy of
 * the body and no re-serialization.
 */

/**
 * @param start offset of the model token's opening quote (ExtractedFields.modelStart)
 * @param end offset just past its closing quote (ExtractedFields.modelEnd)
 * @example
 * spliceModel(Buffer.from('{"model":"fast"}'), 9, 15, 'gpt-4o-mini').toString() // '{"model":"gpt-4o-mini"}'
 */
export function spliceModel(body: Buffer, start: number, end: number, model: string): Buffer {
  const token = Buffer.from(JSON.stringify(model))
  const out = Buffer.allocUnsafe(body.length - (end - start) + token.length)
  body.copy(out, 0, 0, start)
  token.copy(out, start)
  body.copy(out, start + token.length, end)
  return out
}

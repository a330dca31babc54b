/**
 * POST /v1/embeddings: unit-length vectors derived from a SHA-256 of each input, so the same input always
 * gets the same vector. Values are float32 (as the real API's are), so the JSON floats and the
 * `encoding_format: 'base64'` bytes decode to the same numbers.
 */
import { createHash } from 'node:crypto'
import { estimateTokens } from './completion-text.js'
import { InvalidRequestError } from './errors.js'
import type { Exchange } from './exchange.js'
import { invalidType, type JsonObject, optionalPositiveInteger, required, requireModel } from './fields.js'
import { sendJson } from './reply.js'

/** Dimensions when the request names none: small, because tests compare whole vectors. */
export const DEFAULT_DIMENSIONS = 8
/** The largest `dimensions` accepted (the real API's largest model has 3072). */
export const MAX_DIMENSIONS = 8192

type EmbeddingInput = string | number[]

function isTokenArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((token) => Number.isInteger(token))
}

function readInputs(body: JsonObject): EmbeddingInput[] {
  const input = required(body, 'input')
  if (typeof input === 'string' || isTokenArray(input)) return [input]
  if (Array.isArray(input) && input.length > 0) {
    if (input.every((item) => typeof item === 'string' || isTokenArray(item))) return input
  }
  throw invalidType('input', 'a string, an array of strings, or an array of token arrays')
}

/**
 * The deterministic embedding of one input: SHA-256 blocks of `<block>:<input>` read as uint32s, mapped to
 * [-1, 1), normalised to unit length and rounded to float32.
 *
 * @example
 * embed('hello', 8).length // 8
 */
export function embed(input: EmbeddingInput, dimensions: number): Float32Array {
  const key = typeof input === 'string' ? `s:${input}` : `t:${input.join(',')}`
  const bytes = Buffer.alloc(Math.ceil((dimensions * 4) / 32) * 32)
  for (let block = 0; block * 32 < bytes.length; block++) {
    createHash('sha256')
      .update(`${block}:${key}`)
      .digest()
      .copy(bytes, block * 32)
  }
  const values = new Array<number>(dimensions)
  let norm = 0
  for (let index = 0; index < dimensions; index++) {
    values[index] = (bytes.readUInt32LE(index * 4) / 2 ** 32) * 2 - 1
    norm += values[index] ** 2
  }
  norm = Math.sqrt(norm) || 1
  return Float32Array.from(values, (value) => value / norm)
}

/** Little-endian float32 bytes in base64, the wire form of `encoding_format: 'base64'`. */
function toBase64(vector: Float32Array): string {
  const bytes = Buffer.alloc(vector.length * 4)
  for (const [index, value] of vector.entries()) bytes.writeFloatLE(value, index * 4)
  return bytes.toString('base64')
}

/**
 * Replies to an embeddings request. Prompt tokens: ceil(UTF-8 bytes of all string inputs / 4) plus the
 * length of each token array.
 *
 * @example
 * // curl -d '{"model":"text-embedding-3-small","input":"hi"}' .../v1/embeddings -> data[0].embedding.length === 8
 */
export async function embeddings(ex: Exchange, body: JsonObject): Promise<void> {
  const model = requireModel(body)
  const inputs = readInputs(body)
  const dimensions = optionalPositiveInteger(body, 'dimensions') ?? DEFAULT_DIMENSIONS
  if (dimensions > MAX_DIMENSIONS) {
    throw new InvalidRequestError(
      `Invalid 'dimensions': integer above maximum value. Expected a value <= ${MAX_DIMENSIONS}, but got ${dimensions} instead.`,
      'dimensions',
      'integer_above_max_value',
    )
  }
  const format = body.encoding_format ?? 'float'
  if (format !== 'float' && format !== 'base64') {
    throw new InvalidRequestError(
      `Invalid value for 'encoding_format': expected 'float' or 'base64', got ${JSON.stringify(format)}.`,
      'encoding_format',
      'invalid_value',
    )
  }
  let bytes = 0
  let tokens = 0
  for (const input of inputs) {
    if (typeof input === 'string') bytes += Buffer.byteLength(input)
    else tokens += input.length
  }
  const promptTokens = estimateTokens(bytes) + tokens
  await sendJson(ex, 200, {
    object: 'list',
    data: inputs.map((input, index) => {
      const vector = embed(input, dimensions)
      return {
        object: 'embedding',
        index,
        embedding: format === 'base64' ? toBase64(vector) : Array.from(vector),
      }
    }),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  })
}

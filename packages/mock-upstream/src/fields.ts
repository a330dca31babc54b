/** Readers for fields of a JSON request body; each throws the 400 the real API gives for a bad field. */
import { InvalidRequestError } from './errors.js'

/** A parsed JSON object body. */
export type JsonObject = Record<string, unknown>

/** True for a plain JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** Parses a request body that must be a JSON object. */
export function parseJsonObject(body: Buffer): JsonObject {
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new InvalidRequestError(
      "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
    )
  }
  if (!isJsonObject(value)) throw new InvalidRequestError('The request body must be a JSON object.')
  return value
}

/** A required field; absent (or null) is `missing_required_parameter`. */
export function required(body: JsonObject, name: string): unknown {
  const value = body[name]
  if (value === undefined || value === null) {
    throw new InvalidRequestError(
      `Missing required parameter: '${name}'.`,
      name,
      'missing_required_parameter',
    )
  }
  return value
}

/** A type error on a field, in the real API's wording. */
export function invalidType(name: string, expected: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid type for '${name}': expected ${expected}.`, name, 'invalid_type')
}

/** The required `model` string. */
export function requireModel(body: JsonObject): string {
  const model = required(body, 'model')
  if (typeof model !== 'string') throw invalidType('model', 'a string')
  return model
}

/** An optional positive integer (absent or null gives undefined). */
export function optionalPositiveInteger(body: JsonObject, name: string): number | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidType(name, 'an integer')
  if (value < 1) {
    throw new InvalidRequestError(
      `Invalid '${name}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`,
      name,
      'integer_below_min_value',
    )
  }
  return value
}

/**
 * The few JSON readers every translator shares, and the two errors a request translation raises:
 * a field with the wrong shape (VELOX_ERR_INVALID_FIELD) and a field the other API cannot honour
 * (VELOX_ERR_UNSUPPORTED_FIELD). Both name the field in `param`, so a client sees which part of
 * its request to change, in its own format once the error is mapped.
 */
import { VeloxError } from '../errors.js'

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A 400 for a field whose shape is wrong. */
export function invalidField(param: string, message: string): VeloxError {
  return new VeloxError('VELOX_ERR_INVALID_FIELD', message, param)
}

/** A 400 for a field the target API has no equivalent for. */
export function unsupportedField(param: string, api: string, detail = ''): VeloxError {
  const more = detail === '' ? '' : ` (${detail})`
  return new VeloxError(
    'VELOX_ERR_UNSUPPORTED_FIELD',
    `'${param}' cannot be sent to an ${api} upstream${more}; remove it, or list it in translate.ignoreFields to drop it`,
    param,
  )
}

/** A 502 for an upstream response the gateway cannot translate. */
export function invalidUpstream(message: string): VeloxError {
  return new VeloxError('VELOX_ERR_UPSTREAM_INVALID_RESPONSE', message)
}

/** A present (not undefined, not null) value. */
export function present(value: unknown): boolean {
  return value !== undefined && value !== null
}

/** An optional string field; throws when present with another type. */
export function optionalString(body: JsonObject, name: string, param = name): string | undefined {
  const value = body[name]
  if (!present(value)) return undefined
  if (typeof value !== 'string') throw invalidField(param, `Invalid type for '${param}': expected a string`)
  return value
}

/** An optional integer >= 1; throws when present with another type or value. */
export function optionalCount(body: JsonObject, name: string): number | undefined {
  const value = body[name]
  if (!present(value)) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidField(name, `Invalid '${name}': expected an integer >= 1`)
  }
  return value
}

/** An optional finite number; throws when present with another type. */
export function optionalNumber(body: JsonObject, name: string): number | undefined {
  const value = body[name]
  if (!present(value)) return undefined
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalidField(name, `Invalid type for '${name}': expected a number`)
  }
  return value
}

/** Parses JSON that must be an object, or undefined when it is not. */
export function parseObject(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text)
    return isObject(value) ? value : undefined
  } catch {
    return undefined
  }
}

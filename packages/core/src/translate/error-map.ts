/**
 * Error bodies in both shapes, with statuses mapped, so a client always reads an error in its own
 * format: OpenAI's `{"error":{"message","type","param","code"}}` or Anthropic's
 * `{"type":"error","error":{"type","message"}}`. Anthropic's 529 (overloaded) is a status no
 * OpenAI client knows: it is retried like a 503 and answered as 503 once retries are spent. The
 * Anthropic error type is kept as the OpenAI `code`, so nothing is lost on the way.
 */
import type { VeloxError } from '../errors.js'
import { isObject, type JsonObject, parseObject } from './json-value.js'

/** Anthropic's status for an overloaded API. */
export const ANTHROPIC_OVERLOADED = 529

/** A translated error: the status to answer and its JSON body. */
export interface TranslatedError {
  readonly status: number
  readonly body: JsonObject
}

const OPENAI_TYPES: Readonly<Record<string, string>> = {
  invalid_request_error: 'invalid_request_error',
  authentication_error: 'authentication_error',
  permission_error: 'permission_error',
  not_found_error: 'not_found_error',
  rate_limit_error: 'rate_limit_error',
  timeout_error: 'timeout_error',
  overloaded_error: 'server_error',
  api_error: 'server_error',
  billing_error: 'insufficient_quota',
}

/** The Anthropic error type for an HTTP status (its documented status table). */
export function anthropicErrorType(status: number): string {
  if (status === 400 || status === 422) return 'invalid_request_error'
  if (status === 401) return 'authentication_error'
  if (status === 402) return 'billing_error'
  if (status === 403) return 'permission_error'
  if (status === 404) return 'not_found_error'
  if (status === 408 || status === 504) return 'timeout_error'
  if (status === 413) return 'request_too_large'
  if (status === 429) return 'rate_limit_error'
  if (status === 503 || status === ANTHROPIC_OVERLOADED) return 'overloaded_error'
  return status >= 500 ? 'api_error' : 'invalid_request_error'
}

function messageOf(body: string, error: JsonObject | undefined, status: number): string {
  if (error !== undefined && typeof error.message === 'string') return error.message
  const text = body.trim().slice(0, 500)
  return text === '' ? `The upstream answered with status ${status}` : text
}

/**
 * An Anthropic error response as an OpenAI one (`body` is the upstream's text).
 *
 * @example
 * anthropicErrorToChat(529, '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')
 * // { status: 503, body: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } } }
 */
export function anthropicErrorToChat(status: number, body: string): TranslatedError {
  const parsed = parseObject(body)
  const error = parsed !== undefined && isObject(parsed.error) ? parsed.error : undefined
  const anthropicType = typeof error?.type === 'string' ? error.type : anthropicErrorType(status)
  return {
    status: status === ANTHROPIC_OVERLOADED ? 503 : status,
    body: chatErrorBody(anthropicType, messageOf(body, error, status)),
  }
}

/** The OpenAI error body for an Anthropic error type and message. */
export function chatErrorBody(anthropicType: string, message: string): JsonObject {
  const type = OPENAI_TYPES[anthropicType] ?? 'server_error'
  return { error: { message, type, param: null, code: anthropicType } }
}

/** The Anthropic error body for a type and message. */
export function anthropicErrorBody(type: string, message: string): JsonObject {
  return { type: 'error', error: { type, message } }
}

/**
 * An OpenAI error response as an Anthropic one (`body` is the upstream's text); the status stays.
 *
 * @example
 * chatErrorToAnthropic(429, '{"error":{"message":"Slow down","type":"requests","param":null,"code":null}}')
 * // { status: 429, body: { type: 'error', error: { type: 'rate_limit_error', message: 'Slow down' } } }
 */
export function chatErrorToAnthropic(status: number, body: string): TranslatedError {
  const parsed = parseObject(body)
  const error = parsed !== undefined && isObject(parsed.error) ? parsed.error : undefined
  return { status, body: anthropicErrorBody(anthropicErrorType(status), messageOf(body, error, status)) }
}

/** A gateway error (VELOX_ERR_*) in Anthropic's shape; the code travels in the message. */
export function veloxErrorToAnthropic(error: VeloxError): TranslatedError {
  const param = error.param === null ? '' : ` (${error.param})`
  const message = `${error.code}: ${error.message}${param}`
  return { status: error.status, body: anthropicErrorBody(anthropicErrorType(error.status), message) }
}

/**
 * What makes the mock speak Anthropic on Anthropic's paths: the error shape
 * `{"type":"error","error":{"type","message"},"request_id"}`, the statuses Anthropic gives its
 * error types (529 for `overloaded_error`), and the headers it requires (a key in `x-api-key` or,
 * as the official SDK 1.10 sends it, `Authorization: Bearer`, and `anthropic-version`).
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { Exchange } from '../exchange.js'
import { sendJson } from '../reply.js'

/** True for the paths the Anthropic mode serves. */
export function isAnthropicPath(target: string): boolean {
  return target === '/v1/messages' || target.startsWith('/v1/messages/') || target.startsWith('/v1/messages?')
}

/** The error type Anthropic documents for a status. */
export function anthropicErrorType(status: number): string {
  const types: Record<number, string> = {
    400: 'invalid_request_error',
    401: 'authentication_error',
    402: 'billing_error',
    403: 'permission_error',
    404: 'not_found_error',
    413: 'request_too_large',
    429: 'rate_limit_error',
    500: 'api_error',
    504: 'timeout_error',
    529: 'overloaded_error',
  }
  return types[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error')
}

const MESSAGES: Record<string, string> = {
  overloaded_error: 'Overloaded',
  rate_limit_error: 'Number of request tokens has exceeded your per-minute rate limit',
  api_error: 'Internal server error',
  authentication_error: 'invalid x-api-key',
}

/** The Anthropic error body. */
export function anthropicErrorBody(type: string, message: string, requestId: string | null = null) {
  return { type: 'error', error: { type, message }, request_id: requestId }
}

/** The message the mock sends with a forced error of `type`. */
export function errorMessage(type: string, status: number): string {
  return MESSAGES[type] ?? `Mock upstream error (status ${status}).`
}

/**
 * Sends an Anthropic-style error.
 *
 * @example
 * await sendAnthropicError(ex, 529, 'Overloaded')
 */
export function sendAnthropicError(
  ex: Exchange,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const body = anthropicErrorBody(anthropicErrorType(status), message, ex.identity.requestId)
  return sendJson(ex, status, body, { 'request-id': ex.identity.requestId, ...headers })
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** Why the headers are refused (status and message, as the real API words it), or undefined. */
export function authRefusal(
  headers: IncomingHttpHeaders,
  apiKey: string | undefined,
): { status: number; message: string } | undefined {
  const xApiKey = header(headers, 'x-api-key')
  const bearer = header(headers, 'authorization')?.replace(/^Bearer /, '')
  const key = xApiKey ?? bearer
  if (key === undefined || key === '') return { status: 401, message: 'x-api-key header is required' }
  if (apiKey !== undefined && key !== apiKey) return { status: 401, message: 'invalid x-api-key' }
  if (header(headers, 'anthropic-version') === undefined) {
    return { status: 400, message: 'anthropic-version: header is required' }
  }
  return undefined
}

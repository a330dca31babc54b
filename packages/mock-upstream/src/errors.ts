/**
 * Error bodies in the shape the OpenAI API uses, `{"error":{"message","type","param","code"}}`, so SDKs
 * and gateways parse mock failures exactly as they parse real ones.
 */

/** The JSON body of every error reply. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** Builds an OpenAI-style error body. */
export function errorBody(
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type, param, code } }
}

/** A 400 raised while reading a request; the handler turns it into an `invalid_request_error` reply. */
export class InvalidRequestError extends Error {
  readonly param: string | null
  readonly code: string | null

  constructor(message: string, param: string | null = null, code: string | null = null) {
    super(message)
    this.name = 'InvalidRequestError'
    this.param = param
    this.code = code
  }
}

interface StatusError {
  readonly type: string
  readonly code: string | null
  readonly message: string
}

// The statuses a gateway treats specially get the type and code the real API sends with them;
// the messages follow the real ones so log assertions read naturally.
const STATUS_ERRORS: Readonly<Record<number, StatusError>> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  429: {
    type: 'requests',
    code: 'rate_limit_exceeded',
    message: 'Rate limit reached for requests. Please try again later.',
  },
  500: {
    type: 'server_error',
    code: 'server_error',
    message: 'The server had an error while processing your request. Sorry about that!',
  },
  503: {
    type: 'server_error',
    code: 'service_unavailable',
    message: 'The server is overloaded or not ready yet.',
  },
}

/**
 * The error a forced `x-mock-status` replies with: the table above, else `server_error` for other 5xx
 * and `invalid_request_error` for other 4xx (both with a null code).
 */
export function statusError(status: number): StatusError {
  return (
    STATUS_ERRORS[status] ?? {
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      code: null,
      message: `Mock upstream error (status ${status}).`,
    }
  )
}

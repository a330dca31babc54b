/**
 * The catalogue of every error the gateway itself produces. Each has a stable code that users
 * match on (`error.code`, never `instanceof`), the HTTP status, and the OpenAI error `type`, so a
 * client sees the same `{"error":{"message","type","param","code"}}` shape it gets from OpenAI.
 * `docs/reference/errors.md` is checked against this table by a test.
 */

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'requests'
  | 'tokens'
  | 'insufficient_quota'
  | 'server_error'
  | 'timeout_error'

export interface ErrorSpec {
  readonly status: number
  readonly type: OpenAIErrorType
  readonly message: string
}

export const ERRORS = {
  VELOX_ERR_BODY_TOO_LARGE: {
    status: 413,
    type: 'invalid_request_error',
    message: 'Request body is larger than the gateway allows',
  },
  VELOX_ERR_BODY_TIMEOUT: {
    status: 408,
    type: 'invalid_request_error',
    message: 'The request body did not arrive in time',
  },
  VELOX_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    type: 'invalid_request_error',
    message: 'Content-Type must be application/json',
  },
  VELOX_ERR_INVALID_JSON: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request body is not valid JSON',
  },
  VELOX_ERR_MISSING_MODEL: {
    status: 400,
    type: 'invalid_request_error',
    message: 'You must provide a model parameter',
  },
  VELOX_ERR_INVALID_FIELD: {
    status: 400,
    type: 'invalid_request_error',
    message: 'A request field has the wrong type',
  },
  VELOX_ERR_UNSUPPORTED_FIELD: {
    status: 400,
    type: 'invalid_request_error',
    message: "A request field has no equivalent in the upstream's API",
  },
  VELOX_ERR_UNSUPPORTED_ENDPOINT: {
    status: 404,
    type: 'not_found_error',
    message: "The endpoint has no equivalent in the upstream's API",
  },
  VELOX_ERR_INVALID_PATH: {
    status: 400,
    type: 'invalid_request_error',
    message: 'The request path is not allowed',
  },
  VELOX_ERR_METHOD_NOT_ALLOWED: {
    status: 405,
    type: 'invalid_request_error',
    message: 'The method is not allowed on this path',
  },
  VELOX_ERR_MODEL_NOT_FOUND: {
    status: 404,
    type: 'invalid_request_error',
    message: 'The model does not exist or you do not have access to it',
  },
  VELOX_ERR_UPSTREAM_UNREACHABLE: {
    status: 502,
    type: 'server_error',
    message: 'The upstream could not be reached',
  },
  VELOX_ERR_UPSTREAM_RESET: {
    status: 502,
    type: 'server_error',
    message: 'The upstream closed the connection before responding',
  },
  VELOX_ERR_UPSTREAM_TLS: {
    status: 502,
    type: 'server_error',
    message: 'The TLS handshake with the upstream failed',
  },
  VELOX_ERR_UPSTREAM_INVALID_RESPONSE: {
    status: 502,
    type: 'server_error',
    message: 'The upstream sent a response the gateway could not translate',
  },
  VELOX_ERR_UPSTREAM_CONNECT_TIMEOUT: {
    status: 504,
    type: 'timeout_error',
    message: 'Connecting to the upstream timed out',
  },
  VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT: {
    status: 504,
    type: 'timeout_error',
    message: 'The upstream did not send response headers in time',
  },
  VELOX_ERR_UPSTREAM_BODY_TIMEOUT: {
    status: 504,
    type: 'timeout_error',
    message: 'The upstream stopped sending its response body',
  },
  VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT: {
    status: 504,
    type: 'timeout_error',
    message: 'The upstream did not answer within the total time allowed',
  },
  VELOX_ERR_RATE_LIMITED: {
    status: 429,
    type: 'requests',
    message: 'Rate limit reached for requests',
  },
  VELOX_ERR_TOKEN_RATE_LIMITED: {
    status: 429,
    type: 'tokens',
    message: 'Rate limit reached for tokens',
  },
  VELOX_ERR_TOKENS_OVER_LIMIT: {
    status: 429,
    type: 'tokens',
    message: 'The request needs more tokens than the token limit allows at once',
  },
  VELOX_ERR_BUDGET_EXCEEDED: {
    status: 429,
    type: 'insufficient_quota',
    message: 'The budget for this period is spent',
  },
  VELOX_ERR_QUEUE_FULL: {
    status: 503,
    type: 'server_error',
    message: 'Too many requests are waiting for their rate limit',
  },
  VELOX_ERR_LIMITER_UNAVAILABLE: {
    status: 503,
    type: 'server_error',
    message: 'The rate limiter is unavailable',
  },
  VELOX_ERR_SHUTTING_DOWN: {
    status: 503,
    type: 'server_error',
    message: 'The gateway is shutting down',
  },
  VELOX_ERR_INTERNAL: {
    status: 500,
    type: 'server_error',
    message: 'The gateway failed to handle the request',
  },
} as const satisfies Record<string, ErrorSpec>

export type VeloxErrorCode = keyof typeof ERRORS

/** An error the gateway turns into an OpenAI-style response. */
export class VeloxError extends Error {
  readonly code: VeloxErrorCode
  readonly status: number
  readonly type: OpenAIErrorType
  readonly param: string | null

  constructor(code: VeloxErrorCode, message?: string, param: string | null = null) {
    const spec: ErrorSpec = ERRORS[code]
    super(message ?? spec.message)
    this.name = 'VeloxError'
    this.code = code
    this.status = spec.status
    this.type = spec.type
    this.param = param
  }

  /** The OpenAI error body: `{"error":{"message","type","param","code"}}`. */
  toJSON() {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } }
  }
}

/** Thrown at creation for an invalid option; the message names the field. */
export class VeloxOptionsError extends TypeError {
  readonly code = 'VELOX_ERR_INVALID_OPTION'
  constructor(message: string) {
    super(message)
    this.name = 'VeloxOptionsError'
  }
}

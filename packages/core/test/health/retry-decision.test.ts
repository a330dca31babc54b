import { describe, expect, it } from 'vitest'
import {
  isIdempotent,
  mayRetryError,
  refusedByUpstream,
  resolveRetryErrors,
} from '../../src/egress/retry-decision.js'

const defaults = resolveRetryErrors(undefined)

describe('retry decision', () => {
  it('defaults to no retry after a timeout and resets after write retried only when idempotent', () => {
    expect(defaults).toEqual({ onTimeout: false, onResetAfterWrite: 'idempotent' })
  })

  it('does not retry a headers or body timeout of a chat call unless onTimeout', () => {
    for (const code of ['VELOX_ERR_UPSTREAM_HEADERS_TIMEOUT', 'VELOX_ERR_UPSTREAM_BODY_TIMEOUT'] as const) {
      expect(mayRetryError(defaults, { code, bodyWritten: true, idempotent: false, refused: false })).toBe(
        false,
      )
      expect(mayRetryError(defaults, { code, bodyWritten: true, idempotent: true, refused: false })).toBe(
        true,
      )
      expect(
        mayRetryError(resolveRetryErrors({ onTimeout: true }), {
          code,
          bodyWritten: true,
          idempotent: false,
          refused: false,
        }),
      ).toBe(true)
    }
  })

  it('retries a reset before the body was written, and after it only as configured', () => {
    const reset = 'VELOX_ERR_UPSTREAM_RESET' as const
    expect(
      mayRetryError(defaults, { code: reset, bodyWritten: false, idempotent: false, refused: false }),
    ).toBe(true)
    expect(
      mayRetryError(defaults, { code: reset, bodyWritten: true, idempotent: false, refused: false }),
    ).toBe(false)
    expect(
      mayRetryError(defaults, { code: reset, bodyWritten: true, idempotent: true, refused: false }),
    ).toBe(true)
    const always = resolveRetryErrors({ onResetAfterWrite: 'always' })
    expect(mayRetryError(always, { code: reset, bodyWritten: true, idempotent: false, refused: false })).toBe(
      true,
    )
    const never = resolveRetryErrors({ onResetAfterWrite: 'never' })
    expect(mayRetryError(never, { code: reset, bodyWritten: true, idempotent: true, refused: false })).toBe(
      false,
    )
    expect(mayRetryError(never, { code: reset, bodyWritten: false, idempotent: false, refused: false })).toBe(
      true,
    )
  })

  it('retries an HTTP/2 stream the server refused or cut with GOAWAY, body written or not', () => {
    const reset = 'VELOX_ERR_UPSTREAM_RESET' as const
    expect(
      mayRetryError(defaults, { code: reset, bodyWritten: true, idempotent: false, refused: true }),
    ).toBe(true)
    expect(refusedByUpstream(new Error('HTTP/2: "GOAWAY" frame received with code 0'))).toBe(true)
    expect(refusedByUpstream(new Error('HTTP/2: "stream error" received - code 7'))).toBe(true)
    expect(refusedByUpstream(new Error('Stream closed with error code NGHTTP2_REFUSED_STREAM'))).toBe(true)
    expect(refusedByUpstream(new Error('HTTP/2: "stream error" received - code 8'))).toBe(false)
    expect(refusedByUpstream(new Error('Stream closed with error code NGHTTP2_INTERNAL_ERROR'))).toBe(false)
    expect(refusedByUpstream(new Error('other side closed'))).toBe(false)
  })

  it('always retries what never reached the model: connect failures, connect timeouts, TLS', () => {
    for (const code of [
      'VELOX_ERR_UPSTREAM_UNREACHABLE',
      'VELOX_ERR_UPSTREAM_CONNECT_TIMEOUT',
      'VELOX_ERR_UPSTREAM_TLS',
    ] as const) {
      expect(mayRetryError(defaults, { code, bodyWritten: false, idempotent: false, refused: false })).toBe(
        true,
      )
    }
  })

  it('knows the idempotent endpoints', () => {
    expect(isIdempotent('GET', '/chat/completions')).toBe(true)
    expect(isIdempotent('POST', '/embeddings')).toBe(true)
    expect(isIdempotent('POST', '/embeddings?x=1')).toBe(true)
    expect(isIdempotent('POST', '/models')).toBe(true)
    expect(isIdempotent('POST', '/chat/completions')).toBe(false)
    expect(isIdempotent('POST', '/responses')).toBe(false)
    expect(isIdempotent('POST', '/embeddings-and-more')).toBe(false)
  })

  it('rejects bad values naming the field', () => {
    expect(() => resolveRetryErrors({ onTimeout: 'yes' })).toThrow(
      'retry.onTimeout must be a boolean (got "yes")',
    )
    expect(() => resolveRetryErrors({ onResetAfterWrite: 'sometimes' })).toThrow(
      "retry.onResetAfterWrite must be one of 'idempotent', 'always', 'never' (got \"sometimes\")",
    )
  })
})

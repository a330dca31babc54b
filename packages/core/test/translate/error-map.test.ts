import { describe, expect, it } from 'vitest'
import { VeloxError } from '../../src/errors.js'
import {
  anthropicErrorToChat,
  chatErrorToAnthropic,
  veloxErrorToAnthropic,
} from '../../src/translate/error-map.js'

describe('errors both ways', () => {
  it('answers an Anthropic 529 overloaded_error as a 503 in the OpenAI shape', () => {
    const body =
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}'
    expect(anthropicErrorToChat(529, body)).toEqual({
      status: 503,
      body: { error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' } },
    })
  })

  it.each([
    [400, 'invalid_request_error', 'invalid_request_error'],
    [401, 'authentication_error', 'authentication_error'],
    [404, 'not_found_error', 'not_found_error'],
    [429, 'rate_limit_error', 'rate_limit_error'],
    [500, 'api_error', 'server_error'],
  ])('keeps status %i and maps %s to OpenAI type %s', (status, type, openaiType) => {
    const body = JSON.stringify({ type: 'error', error: { type, message: 'm' } })
    expect(anthropicErrorToChat(status, body)).toEqual({
      status,
      body: { error: { message: 'm', type: openaiType, param: null, code: type } },
    })
  })

  it.each([
    [400, 'invalid_request_error'],
    [401, 'authentication_error'],
    [403, 'permission_error'],
    [404, 'not_found_error'],
    [413, 'request_too_large'],
    [429, 'rate_limit_error'],
    [500, 'api_error'],
    [503, 'overloaded_error'],
  ])('maps an OpenAI %i error to Anthropic type %s', (status, type) => {
    const body = '{"error":{"message":"nope","type":"x","param":null,"code":null}}'
    expect(chatErrorToAnthropic(status, body)).toEqual({
      status,
      body: { type: 'error', error: { type, message: 'nope' } },
    })
  })

  it('keeps a non-JSON error body as the message', () => {
    expect(chatErrorToAnthropic(502, 'Bad Gateway')).toEqual({
      status: 502,
      body: { type: 'error', error: { type: 'api_error', message: 'Bad Gateway' } },
    })
  })

  it("puts the gateway's own errors in Anthropic's shape with the code", () => {
    const error = new VeloxError('VELOX_ERR_RATE_LIMITED')
    expect(veloxErrorToAnthropic(error)).toEqual({
      status: 429,
      body: {
        type: 'error',
        error: {
          type: 'rate_limit_error',
          message: 'VELOX_ERR_RATE_LIMITED: Rate limit reached for requests',
        },
      },
    })
  })
})

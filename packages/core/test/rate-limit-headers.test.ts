import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { callerKey, defaultKey } from '../src/limit/caller-key.js'
import {
  formatDuration,
  replaceRateLimitHeaders,
  retryAfterSeconds,
} from '../src/limit/rate-limit-headers.js'
import { keyOf } from './limit-fixture.js'

describe('formatDuration (OpenAI x-ratelimit-reset-*)', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'], // rounded up: never "reset" before it is
    [120_000, '120ms'],
    [999_001, '1s'],
    [1_000_000, '1s'],
    [1_500_000, '1.5s'],
    [8_640_000, '8.64s'],
    [86_400_000, '1m26.4s'],
    [360_000_000, '6m0s'],
    [3_600_000_000, '1h0m0s'],
    [3_725_250_000, '1h2m5.25s'],
  ])('%i us is %s', (us, text) => {
    expect(formatDuration(us)).toBe(text)
  })

  it('gives Retry-After in whole seconds, at least 1', () => {
    expect([0, 1, 1_000_000, 1_000_001].map(retryAfterSeconds)).toEqual([1, 1, 1, 2])
  })
})

describe('replaceRateLimitHeaders', () => {
  it("drops the upstream's x-ratelimit-* and appends the gateway's", () => {
    expect(
      replaceRateLimitHeaders(
        ['content-type', 'application/json', 'x-ratelimit-limit-tokens', '30000000', 'x-request-id', 'r'],
        ['x-ratelimit-limit-requests', '5'],
      ),
    ).toEqual(['content-type', 'application/json', 'x-request-id', 'r', 'x-ratelimit-limit-requests', '5'])
  })
})

describe('caller keys', () => {
  const req = (headers: Record<string, string>, remoteAddress = '10.0.0.7') =>
    ({ headers, socket: { remoteAddress } }) as unknown as IncomingMessage

  it('hashes the API key from Authorization (any case of Bearer) or x-api-key, else uses the IP', () => {
    expect(defaultKey(req({ authorization: 'Bearer sk-1' }))).toBe(keyOf('sk-1'))
    expect(defaultKey(req({ authorization: 'bearer sk-1' }))).toBe(keyOf('sk-1'))
    expect(defaultKey(req({ 'x-api-key': 'sk-2' }))).toBe(keyOf('sk-2'))
    expect(defaultKey(req({ authorization: 'Basic dXNlcjpwdw==' }))).toBe('ip:10.0.0.7')
    expect(defaultKey(req({}))).toBe('ip:10.0.0.7')
  })

  it('keeps a limit.key result as it is, hashing only a long one, and falls back when there is none', () => {
    expect(callerKey(req({}), () => 'user-42')).toBe('user-42')
    const long = 'x'.repeat(200)
    expect(callerKey(req({}), () => long)).toBe(keyOf(long).replace('key:', 'hash:'))
    expect(callerKey(req({ 'x-api-key': 'sk-3' }), () => undefined)).toBe(keyOf('sk-3'))
    expect(callerKey(req({}), () => '')).toBe('ip:10.0.0.7')
  })
})

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createMockUpstream, type MockUpstream } from '../src/index.js'
import { rawRequest, settledWithin, until } from './helpers.js'

let mock: MockUpstream

beforeAll(async () => {
  mock = await createMockUpstream()
})
beforeEach(() => mock.reset())
afterAll(() => mock.close())

const chat = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] })
const post = (headers: Record<string, string> = {}) =>
  rawRequest(mock.url, {
    method: 'POST',
    path: '/v1/chat/completions',
    headers: { 'content-type': 'application/json', ...headers },
    body: chat,
  })

describe('setFaults', () => {
  it('fails every request with the status and Retry-After until cleared, and records each', async () => {
    mock.setFaults({ status: 429, retryAfter: '2' })
    for (let i = 0; i < 2; i++) {
      const reply = await post()
      expect(reply.status).toBe(429)
      expect(reply.headers['retry-after']).toBe('2')
    }
    mock.setFaults({ status: 500 })
    expect((await post()).status).toBe(500)
    mock.setFaults(null)
    expect((await post()).status).toBe(200)
    expect(mock.received).toHaveLength(4)
  })

  it('overrides the request headers, fail-first included', async () => {
    mock.setFaults({ status: 503 })
    const reply = await post({ 'x-mock-status': '500', 'x-mock-fail-first': '0' })
    expect(reply.status).toBe(503)
  })

  it('hangs without headers until the client leaves', async () => {
    mock.setFaults({ fault: 'hang' })
    const pending = post()
    expect(await settledWithin(pending, 100)).toBe('pending')
    await mock.down() // cuts the hung socket
    await expect(pending).rejects.toThrow()
    await mock.up()
  })

  it('resets before headers', async () => {
    mock.setFaults({ fault: 'reset-before-headers' })
    await expect(post()).rejects.toMatchObject({ code: 'ECONNRESET' })
  })

  it('is cleared by reset()', async () => {
    mock.setFaults({ status: 500 })
    mock.reset()
    expect((await post()).status).toBe(200)
  })

  it('rejects a status outside 400-599 and a negative latency, naming the field', () => {
    expect(() => mock.setFaults({ status: 200 })).toThrow(
      'faults.status must be an integer from 400 to 599, got 200',
    )
    expect(() => mock.setFaults({ latencyMs: -1 })).toThrow(
      'faults.latencyMs must be a non-negative integer, got -1',
    )
  })
})

describe('down and up', () => {
  it('refuses connections while down and answers on the same port once up', async () => {
    const port = mock.port
    await mock.down()
    await expect(post()).rejects.toMatchObject({ code: 'ECONNREFUSED' })
    await mock.down() // twice is harmless
    await mock.up()
    expect(mock.port).toBe(port)
    expect((await post()).status).toBe(200)
    await until(() => mock.received.length === 1)
  })
})

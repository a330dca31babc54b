import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMockUpstream, MOCK_HEADERS, type MockUpstream } from '../src/index.js'
import { rawRequest } from './helpers.js'

let mock: MockUpstream

beforeAll(async () => {
  mock = await createMockUpstream()
})
afterAll(() => mock.close())

describe('received', () => {
  it('records method, path with query, lowercased headers, exact body bytes and version', async () => {
    mock.reset()
    // Deliberately not canonical JSON: the record must keep the bytes, not a re-serialisation.
    const body = Buffer.from('{"model":"gpt-4o",  "messages":[{"role":"user","content":"héllo 👋 世界"}]}')
    const reply = await rawRequest(mock.url, {
      method: 'POST',
      path: '/v1/chat/completions?trace=1',
      headers: { 'Content-Type': 'application/json', 'X-Custom-Header': 'Value' },
      body,
    })
    expect(reply.status).toBe(200)
    expect(mock.received).toHaveLength(1)
    const [recorded] = mock.received
    expect(recorded.method).toBe('POST')
    expect(recorded.path).toBe('/v1/chat/completions?trace=1')
    expect(recorded.httpVersion).toBe('1.1')
    expect(recorded.headers['content-type']).toBe('application/json')
    expect(recorded.headers['x-custom-header']).toBe('Value')
    expect(Buffer.isBuffer(recorded.body)).toBe(true)
    expect(recorded.body.equals(body)).toBe(true)
    expect(JSON.parse(reply.body.toString()).choices[0].message.content).toBe('Mock reply to: héllo 👋 世界')
  })

  it('records a request before replying, even one that never gets a reply', async () => {
    mock.reset()
    const pending = rawRequest(mock.url, {
      path: '/v1/models',
      headers: { [MOCK_HEADERS.fault]: 'reset-before-headers' },
    })
    await expect(pending).rejects.toMatchObject({ code: 'ECONNRESET' })
    expect(mock.received.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /v1/models'])
    expect(mock.received[0].body.length).toBe(0)
  })

  it('keeps arrival order, and reset() clears the same array in place', async () => {
    mock.reset()
    const held = mock.received
    await rawRequest(mock.url, { path: '/v1/models' })
    await rawRequest(mock.url, { path: '/v1/models/gpt-4o' })
    expect(held.map((request) => request.path)).toEqual(['/v1/models', '/v1/models/gpt-4o'])
    mock.reset()
    expect(held).toHaveLength(0)
    expect(mock.received).toBe(held)
  })
})

import { createServer } from 'node:http'
import { createSecureServer, type Http2SecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createMockUpstream, createTestCertificate, type MockUpstream } from '@velox/mock-upstream'
import { postJson } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, gatewayApp } from './helpers.js'

/**
 * Regression: a body larger than Node's HTTP/2 session memory cap (10 MB), answered early by an h2
 * upstream (a 401 before reading it), came back as 502 VELOX_ERR_UPSTREAM_RESET
 * (NGHTTP2_ENHANCE_YOUR_CALM), and so did every later request on that session.
 */
describe('large bodies over HTTP/2', () => {
  const cert = createTestCertificate()
  const big = chat('gpt-4o-mini', 'x'.repeat(16 * 1024 * 1024))
  let early: Http2SecureServer
  let mock: MockUpstream
  const closers: Array<() => Promise<void>> = []

  beforeAll(async () => {
    early = createSecureServer({ key: cert.key, cert: cert.cert }, (req, res) => {
      // Answers at once, never reading the body.
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(
        '{"error":{"message":"no","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
      )
    })
    await new Promise<void>((resolve) => early.listen(0, '127.0.0.1', resolve))
    mock = await createMockUpstream({ tls: cert })
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await new Promise((resolve) => early.close(resolve))
    await mock.close()
  })

  async function app(origin: string) {
    const made = await gatewayApp({ upstream: { origin, tls: { ca: cert.cert } }, retry: { attempts: 1 } })
    closers.push(made.close)
    return made
  }

  it("passes on an upstream's early answer to a 16 MiB body, and the connection keeps serving", async () => {
    const { url } = await app(`https://127.0.0.1:${(early.address() as AddressInfo).port}`)
    const first = await postJson(`${url}/v1/chat/completions`, big)
    expect(first.status).toBe(401)
    expect(JSON.parse(first.body.toString()).error.code).toBe('invalid_api_key')
    const next = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o-mini'))
    expect(next.status).toBe(401)
    expect(JSON.parse(next.body.toString()).error.code).toBe('invalid_api_key')
  })

  it('delivers a 16 MiB body byte for byte to an upstream that reads it, over h2', async () => {
    const { url } = await app(mock.url)
    const res = await postJson(`${url}/v1/chat/completions`, big)
    expect(res.status).toBe(200)
    const received = mock.received.at(-1)!
    expect(received.httpVersion).toBe('2.0')
    expect(received.headers['content-length']).toBe(String(received.body.length))
    expect(received.body.equals(Buffer.from(JSON.stringify(big)))).toBe(true)
  })
})

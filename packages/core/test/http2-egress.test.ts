import { createServer } from 'node:http'
import { createMockUpstream, createTestCertificate, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGateway, type Gateway } from '../src/index.js'

describe('HTTP/2 egress over TLS', () => {
  const cert = createTestCertificate()
  let mock: MockUpstream
  const closers: Array<() => Promise<void>> = []

  async function appFor(gateway: Gateway) {
    const app = await listen(createServer((req, res) => gateway.handle(req, res)))
    closers.push(app.close, () => gateway.close())
    return app
  }

  beforeAll(async () => {
    mock = await createMockUpstream({ tls: cert })
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await mock.close()
  })

  it('speaks h2 to an https upstream and streams through it', async () => {
    const gateway = createGateway({ upstream: { origin: mock.url, apiKey: 'sk-h2', tls: { ca: cert.cert } } })
    const app = await appFor(gateway)
    const body = { model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'over h2' }] }
    const res = await postJson(`${app.url}/v1/chat/completions`, body)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    expect(res.body.toString()).toContain('{"content":" h2"}')
    expect(res.body.toString().endsWith('data: [DONE]\n\n')).toBe(true)
    expect(mock.received.at(-1)!.httpVersion).toBe('2.0')
    expect(mock.received.at(-1)!.headers.authorization).toBe('Bearer sk-h2')
  })

  it('answers 502 VELOX_ERR_UPSTREAM_TLS when the certificate is not trusted', async () => {
    const app = await appFor(createGateway({ upstream: { origin: mock.url } }))
    const res = await postJson(`${app.url}/v1/chat/completions`, { model: 'gpt-4o-mini', messages: [] })
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body.toString()).error.code).toBe('VELOX_ERR_UPSTREAM_TLS')
  })
})

import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { errorBody, listen, postJson } from '@velox/test-utils'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGateway, type Gateway, type PreParsedBody } from '../src/index.js'

// A body parser's own limit (express.json({ limit }), koa-bodyparser's jsonLimit) may be higher
// than the gateway's: maxBodyBytes must hold for a body an adapter hands over already read.
describe('bodies a framework parser already read', () => {
  const maxBodyBytes = 100
  let mock: MockUpstream
  let gateway: Gateway
  let app: { url: string; close(): Promise<void> }
  let given: PreParsedBody

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({ maxBodyBytes, upstream: { origin: mock.url, apiKey: 'sk-test' } })
    app = await listen(
      createServer((req, res) => {
        req.resume() // stands in for the parser that consumed the stream
        req.once('end', () => gateway.handle(req, res, given))
      }),
    )
  })
  beforeEach(() => mock.reset())
  afterAll(async () => {
    await app.close()
    await gateway.close()
    await mock.close()
  })

  const chat = (content: string) => ({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })
  const tooLarge = errorBody(
    'VELOX_ERR_BODY_TOO_LARGE',
    `Request body is larger than the gateway allows (${maxBodyBytes} bytes)`,
    'invalid_request_error',
  )

  it('forwards raw bytes within maxBodyBytes as they are', async () => {
    given = Buffer.from(JSON.stringify(chat('hi')))
    const res = await postJson(`${app.url}/v1/chat/completions`, '{}')
    expect(res.status).toBe(200)
    expect(mock.received[0]!.body.equals(given)).toBe(true)
  })

  it('answers 413 for raw bytes over maxBodyBytes, and sends nothing upstream', async () => {
    given = Buffer.from(JSON.stringify(chat('x'.repeat(maxBodyBytes))))
    const res = await postJson(`${app.url}/v1/chat/completions`, '{}')
    expect(res.status).toBe(413)
    expect(res.headers.connection).toBe('close')
    expect(JSON.parse(res.body.toString())).toEqual(tooLarge)
    expect(mock.received).toHaveLength(0)
  })

  it('answers 413 for a parsed body whose serialization is over maxBodyBytes', async () => {
    const before = gateway.stats()
    given = { parsed: chat('x'.repeat(maxBodyBytes)) }
    const res = await postJson(`${app.url}/v1/chat/completions`, '{}')
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body.toString())).toEqual(tooLarge)
    expect(mock.received).toHaveLength(0)
    const after = gateway.stats()
    expect(after.requests.reserializedBodies).toBe(before.requests.reserializedBodies + 1)
    expect(after.errors.VELOX_ERR_BODY_TOO_LARGE).toBe((before.errors.VELOX_ERR_BODY_TOO_LARGE ?? 0) + 1)
  })
})

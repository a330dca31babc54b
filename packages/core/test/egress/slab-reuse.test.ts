import { createServer } from 'node:http'
import { listen, postJson } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { gatewayApp } from './helpers.js'

/**
 * Regression: a slab went back to the pool as soon as the exchange ended, even when the upstream
 * had answered without reading the whole body (a 401 up front). The socket stays open, so its tail
 * could still be on its way out while another request wrote into the reused slab.
 */
describe('slab reuse after early upstream answers', () => {
  let upstream: Awaited<ReturnType<typeof listen>>
  let app: Awaited<ReturnType<typeof gatewayApp>>
  const big = { model: 'gpt-4o', messages: [{ role: 'user', content: 'x'.repeat(512 * 1024) }] }

  beforeAll(async () => {
    upstream = await listen(
      createServer((req, res) => {
        if (req.headers['x-answer-early'] === '1') {
          // Answer before reading a byte of the body.
          res.writeHead(401, { 'content-type': 'application/json' })
          res.end(
            '{"error":{"message":"no","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}',
          )
          return
        }
        req.resume()
        req.on('end', () => {
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end('{"ok":true}')
        })
      }),
    )
    app = await gatewayApp({ upstream: { origin: upstream.url }, retry: { attempts: 1 } })
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })

  it('keeps a slab for reuse only after a 2xx, which proves the upstream read the whole body', async () => {
    expect((await postJson(`${app.url}/v1/chat/completions`, big)).status).toBe(200)
    expect(app.gateway.stats().buffers).toMatchObject({ inUse: 0, dropped: 0, free: 1 })

    expect((await postJson(`${app.url}/v1/chat/completions`, big, { 'x-answer-early': '1' })).status).toBe(
      401,
    )
    expect(app.gateway.stats().buffers).toMatchObject({ inUse: 0, dropped: 1, free: 0 })
  })
})

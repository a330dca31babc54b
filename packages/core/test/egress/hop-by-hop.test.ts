import { createServer, request } from 'node:http'
import { listen } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, gatewayApp } from './helpers.js'

/**
 * Hop-by-hop fields stay on their hop (RFC 9110, 7.6.1): the standard ones, and any a Connection
 * header names, both ways. The common `Connection: keep-alive` takes a fast path of its own.
 */
describe('hop-by-hop headers', () => {
  let upstream: Awaited<ReturnType<typeof listen>>
  let app: Awaited<ReturnType<typeof gatewayApp>>

  beforeAll(async () => {
    upstream = await listen(
      createServer((req, res) => {
        req.resume()
        res.setHeader('content-type', 'application/json')
        if (req.headers['x-answer-connection']) {
          res.setHeader('connection', req.headers['x-answer-connection'] as string)
          res.setHeader('x-upstream-private', 'u')
        }
        res.setHeader('x-upstream-public', 'p')
        res.end(JSON.stringify({ received: req.headers }))
      }),
    )
    app = await gatewayApp({ upstream: { origin: upstream.url } })
  })
  afterAll(async () => {
    await app.close()
    await upstream.close()
  })

  function post(headers: Record<string, string>) {
    return new Promise<{
      status: number
      headers: Record<string, unknown>
      received: Record<string, string>
    }>((resolve, reject) => {
      const req = request(`${app.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
      })
      req.on('error', reject)
      req.on('response', (res) => {
        let body = ''
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, received: JSON.parse(body).received }),
        )
      })
      req.end(JSON.stringify(chat('gpt-4o-mini')))
    })
  }

  it('drops request fields the client names in Connection, and keeps the rest', async () => {
    const res = await post({
      connection: 'keep-alive, X-Client-Private',
      'x-client-private': 'c',
      'x-kept': 'k',
    })
    expect(res.status).toBe(200)
    expect(res.received['x-client-private']).toBeUndefined()
    expect(res.received['x-kept']).toBe('k')
  })

  it('drops the one field a Connection header names alone', async () => {
    const res = await post({ connection: 'X-Client-Private', 'x-client-private': 'c', 'x-kept': 'k' })
    expect(res.status).toBe(200)
    expect(res.received['x-client-private']).toBeUndefined()
    expect(res.received['x-kept']).toBe('k')
  })

  it('forwards every end-to-end field when Connection says only keep-alive', async () => {
    const res = await post({ connection: 'keep-alive', 'x-client-private': 'c' })
    expect(res.received['x-client-private']).toBe('c')
  })

  it('drops response fields the upstream names in Connection', async () => {
    const named = await post({ 'x-answer-connection': 'x-upstream-private, keep-alive' })
    expect(named.status).toBe(200)
    expect(named.headers['x-upstream-private']).toBeUndefined()
    expect(named.headers['x-upstream-public']).toBe('p')

    const plain = await post({ 'x-answer-connection': 'keep-alive' })
    expect(plain.headers['x-upstream-private']).toBe('u')
  })
})

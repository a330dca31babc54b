import { once } from 'node:events'
import { createServer as createHttpServer, type Server } from 'node:http'
import { createServer as createTcpServer, type Socket } from 'node:net'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chat, gatewayApp } from './helpers.js'

const body = (res: { body: Buffer }) => JSON.parse(res.body.toString())

describe('timeouts', () => {
  let mock: MockUpstream
  const closers: Array<() => Promise<void>> = []
  const app = async (options: Parameters<typeof gatewayApp>[0]) => {
    const made = await gatewayApp(options)
    closers.push(made.close)
    return made
  }
  /** An upstream that sends headers and then nothing (stalled body), JSON or SSE. */
  async function stalledUpstream(contentType: string): Promise<string> {
    const server: Server = createHttpServer((req, res) => {
      req.resume()
      res.writeHead(200, { 'content-type': contentType })
      res.flushHeaders()
      if (contentType === 'text/event-stream') res.write('data: {"first":true}\n\n')
    })
    const { url, close } = await listen(server)
    closers.push(close)
    return url
  }

  beforeAll(async () => {
    mock = await createMockUpstream()
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await mock.close()
  })

  it('504 VELOX_ERR_UPSTREAM_CONNECT_TIMEOUT when the TLS handshake never completes', async () => {
    const sockets: Socket[] = []
    const silent = createTcpServer((socket) => sockets.push(socket)).listen(0, '127.0.0.1')
    await once(silent, 'listening')
    closers.push(async () => {
      for (const s of sockets) s.destroy()
      silent.close()
    })
    const port = (silent.address() as { port: number }).port
    const { url } = await app({
      upstream: { origin: `https://127.0.0.1:${port}`, warmup: false },
      timeouts: { connectMs: 200 },
      retry: { attempts: 1 },
    })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'))
    expect(res.status).toBe(504)
    expect(body(res).error.code).toBe('VELOX_ERR_UPSTREAM_CONNECT_TIMEOUT')
  })

  it('504 VELOX_ERR_UPSTREAM_BODY_TIMEOUT when a JSON body stalls before any of it was sent', async () => {
    const origin = await stalledUpstream('application/json')
    const { url } = await app({ upstream: { origin }, timeouts: { bodyIdleMs: 200 }, retry: { attempts: 1 } })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'))
    expect(res.status).toBe(504)
    expect(body(res).error.code).toBe('VELOX_ERR_UPSTREAM_BODY_TIMEOUT')
  })

  it('cuts a stream whose upstream goes silent after the first event', async () => {
    const origin = await stalledUpstream('text/event-stream')
    const { url, gateway } = await app({ upstream: { origin }, timeouts: { bodyIdleMs: 200 } })
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...chat('gpt-4o'), stream: true }),
    })
    expect(res.status).toBe(200)
    const reader = res.body!.getReader()
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"first":true}\n\n')
    await expect(reader.read()).rejects.toThrow()
    expect(gateway.stats().requests.upstreamFailedMidResponse).toBe(1)
  })

  it('passes the upstream’s answer through when the wait for a retry would not fit in timeouts.totalMs', async () => {
    const { url, gateway } = await app({ upstream: { origin: mock.url }, timeouts: { totalMs: 300 } })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), {
      'x-mock-status': '503',
      'x-mock-retry-after': '1', // 1 s: more than the 300 ms left
    })
    expect(res.status).toBe(503)
    expect(res.headers['retry-after']).toBe('1')
    expect(body(res).error.code).toBe('service_unavailable')
    expect(gateway.stats().upstreams[0]!.attempts).toBe(1)
  })

  it('504 VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT when one slow attempt runs past timeouts.totalMs', async () => {
    const { url } = await app({ upstream: { origin: mock.url }, timeouts: { totalMs: 200 } })
    const res = await postJson(`${url}/v1/chat/completions`, chat('gpt-4o'), { 'x-mock-latency-ms': '10000' })
    expect(res.status).toBe(504)
    expect(body(res).error.code).toBe('VELOX_ERR_UPSTREAM_TOTAL_TIMEOUT')
  })
})

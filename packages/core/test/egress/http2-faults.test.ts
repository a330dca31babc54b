/**
 * HTTP/2 faults against a node:http2 upstream over TLS: GOAWAY in the middle of a burst, a stream
 * reset, and the server closing idle connections. No request may hang; each is retried or answered.
 */
import { once } from 'node:events'
import {
  constants,
  createSecureServer,
  type Http2SecureServer,
  type ServerHttp2Session,
  type ServerHttp2Stream,
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import { createTestCertificate } from '@velox/mock-upstream'
import { postJson } from '@velox/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import type { RetryOptions } from '../../src/index.js'
import { chat, gatewayApp } from './helpers.js'

const cert = createTestCertificate()

interface H2Upstream {
  origin: string
  served: number
  sessions: number
  close(): Promise<void>
}

type OnStream = (n: number, stream: ServerHttp2Stream, answer: () => void) => void

/** An h2 upstream answering chat completions with a fixed body; `onStream` can misbehave instead. */
async function h2Upstream(onStream?: OnStream): Promise<H2Upstream> {
  const server: Http2SecureServer = createSecureServer({ key: cert.key, cert: cert.cert })
  const state = { served: 0, sessions: 0, streams: 0 }
  const sessions = new Set<ServerHttp2Session>()
  server.on('session', (session) => {
    state.sessions++
    sessions.add(session)
    session.on('close', () => sessions.delete(session))
  })
  server.on('stream', (stream) => {
    const n = ++state.streams
    stream.on('error', () => {}) // a stream the test resets reports it here
    stream.resume()
    const answer = () => {
      if (stream.closed) return
      state.served++
      stream.respond({ ':status': 200, 'content-type': 'application/json' })
      stream.end(JSON.stringify({ object: 'chat.completion', n }))
    }
    stream.on('end', () => (onStream ? onStream(n, stream, answer) : answer()))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    origin: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get served() {
      return state.served
    },
    get sessions() {
      return state.sessions
    },
    close: async () => {
      for (const s of sessions) s.destroy()
      server.close()
    },
  }
}

describe('HTTP/2 faults', () => {
  const closers: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  async function setup(upstream: H2Upstream, connections = 1, retry: RetryOptions = {}) {
    closers.push(upstream.close)
    const app = await gatewayApp({
      upstream: { origin: upstream.origin, tls: { ca: cert.cert }, connections, warmup: false },
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20, ...retry },
    })
    closers.push(app.close)
    return app
  }

  it('speaks h2 and serves a burst on one connection', async () => {
    const upstream = await h2Upstream()
    const app = await setup(upstream)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => postJson(`${app.url}/v1/chat/completions`, chat('m'))),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(upstream.sessions).toBe(1)
  })

  it('retries the streams a GOAWAY in the middle of a burst cut off', async () => {
    let goneAway = false
    const upstream = await h2Upstream((n, stream, answer) => {
      if (n <= 5 || goneAway) return answer()
      goneAway = true
      // Cut this session: GOAWAY for everything past stream 0, then close it; the open streams die.
      const session = stream.session!
      session.goaway(constants.NGHTTP2_NO_ERROR, 0)
      setImmediate(() => session.destroy())
    })
    const app = await setup(upstream)
    const results = await Promise.all(
      Array.from({ length: 20 }, () => postJson(`${app.url}/v1/chat/completions`, chat('m'))),
    )
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(200))
    expect(upstream.sessions).toBeGreaterThanOrEqual(2)
    expect(app.gateway.stats().upstreams[0]!.retries).toBeGreaterThan(0)
    expect(app.gateway.stats().requests.active).toBe(0)
  })

  it('retries a stream the server refused (REFUSED_STREAM: not processed, RFC 9113 8.7)', async () => {
    const upstream = await h2Upstream((n, stream, answer) => {
      if (n === 1) stream.close(constants.NGHTTP2_REFUSED_STREAM)
      else answer()
    })
    const app = await setup(upstream)
    const res = await postJson(`${app.url}/v1/chat/completions`, chat('m'))
    expect(res.status).toBe(200)
    expect(app.gateway.stats().upstreams[0]!.retries).toBe(1)
  })

  it('does not retry a chat stream reset after its body was sent (it may be billing), unless configured', async () => {
    const resetFirst: OnStream = (n, stream, answer) => {
      if (n === 1)
        stream.close(constants.NGHTTP2_INTERNAL_ERROR) // RST_STREAM before any response
      else answer()
    }
    const strict = await setup(await h2Upstream(resetFirst))
    const res = await postJson(`${strict.url}/v1/chat/completions`, chat('m'))
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body.toString()).error.code).toBe('VELOX_ERR_UPSTREAM_RESET')
    expect(strict.gateway.stats().upstreams[0]!.retries).toBe(0)
    const always = await setup(await h2Upstream(resetFirst), 1, { onResetAfterWrite: 'always' })
    expect((await postJson(`${always.url}/v1/chat/completions`, chat('m'))).status).toBe(200)
    expect(always.gateway.stats().upstreams[0]!.retries).toBe(1)
  })

  it('reconnects after the server closes idle connections', async () => {
    const upstream = await h2Upstream((_n, stream, answer) => {
      answer()
      const session = stream.session!
      setImmediate(() => session.close()) // the server ends every session once it is idle
    })
    const app = await setup(upstream)
    for (let i = 0; i < 5; i++) {
      const res = await postJson(`${app.url}/v1/chat/completions`, chat('m'))
      expect(res.status).toBe(200)
      while (app.gateway.stats().upstreams[0]!.connected > 0) await new Promise((r) => setTimeout(r, 5))
    }
    expect(upstream.sessions).toBe(5)
    expect(upstream.served).toBe(5)
  })
})

/**
 * Shared pieces of the limiter's HTTP tests: one mock upstream, gateways in front of it on
 * 127.0.0.1 port 0 (closed after the file), and small request helpers.
 */
import { createHash } from 'node:crypto'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, type RawResponse, send } from '@velox/test-utils'
import { afterAll, beforeAll } from 'vitest'
import { createGateway, type Gateway, type LimitOptions, type VeloxOptions } from '../src/index.js'

export interface LimitedApp {
  gateway: Gateway
  url: string
}

export function useLimitFixture() {
  const closers: Array<() => Promise<void>> = []
  const f = {
    mock: undefined as unknown as MockUpstream,
    /** A gateway with `limit` in front of the mock (or `extra.upstream`), served on port 0. */
    async app(limit: LimitOptions | boolean, extra: VeloxOptions = {}): Promise<LimitedApp> {
      const gateway = createGateway({ upstream: { origin: f.mock.url }, ...extra, limit })
      const server = await listen(createServer((req, res) => gateway.handle(req, res)))
      closers.push(
        () => server.close(),
        () => gateway.close(),
      )
      return { gateway, url: server.url }
    },
    /** Serves `server` on port 0 until the end of the file. */
    async serve(server: Server): Promise<string> {
      const s = await listen(server)
      closers.push(() => s.close())
      return s.url
    },
  }
  beforeAll(async () => {
    f.mock = await createMockUpstream()
    closers.push(() => f.mock.close())
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
  })
  return f
}

export function chat(url: string, key: string, body: object = {}, headers: Record<string, string> = {}) {
  return send(`${url}/v1/chat/completions`, {
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
  })
}

/** The x-ratelimit-* headers of a response, by name. */
export function limits(res: RawResponse): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(res.headers)) {
    if (name.startsWith('x-ratelimit-')) out[name] = String(value)
  }
  return out
}

/** What the default key of an API key is: its SHA-256, first 16 bytes in hex. */
export function keyOf(apiKey: string): string {
  return `key:${createHash('sha256').update(apiKey).digest('hex').slice(0, 32)}`
}

/** A chat request the test can abandon: `abort()` closes the socket. */
export function abandonableChat(url: string, key: string) {
  const req = httpRequest(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
  })
  const response = new Promise<number>((resolve) => {
    req.on('response', (res) => resolve(res.statusCode ?? 0))
    req.on('error', () => resolve(0))
  })
  req.end(JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }))
  return { abort: () => req.destroy(), response }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

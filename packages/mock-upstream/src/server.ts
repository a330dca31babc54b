/**
 * createMockUpstream: starts the server (HTTP/1.1, or HTTP/2 over TLS with HTTP/1.1 fallback) and returns
 * the handle tests drive it with.
 */
import { createServer } from 'node:http'
import { createSecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { ConnectionTracker } from './connections.js'
import { FailureCounters } from './fail-first.js'
import { createHandler } from './handler.js'
import { resolveOptions } from './options.js'
import { ServerFaults } from './server-faults.js'
import type { MockUpstream, MockUpstreamOptions, ReceivedRequest } from './types.js'

/**
 * Starts a deterministic OpenAI-compatible server and resolves once it listens.
 *
 * @example
 * const mock = await createMockUpstream()
 * const client = new OpenAI({ apiKey: 'test', baseURL: `${mock.url}/v1` })
 * const completion = await client.chat.completions.create({
 *   model: 'gpt-4o-mini',
 *   messages: [{ role: 'user', content: 'hi' }],
 * })
 * completion.choices[0].message.content // 'Mock reply to: hi'
 * await mock.close()
 */
export async function createMockUpstream(options?: MockUpstreamOptions): Promise<MockUpstream> {
  const resolved = resolveOptions(options)
  const received: ReceivedRequest[] = []
  const failures = new FailureCounters()
  const serverFaults = new ServerFaults()
  const handler = createHandler({ options: resolved, received, failures, serverFaults })
  const server =
    resolved.tls === undefined
      ? createServer(handler)
      : createSecureServer({ key: resolved.tls.key, cert: resolved.tls.cert, allowHTTP1: true }, handler)
  const connections = new ConnectionTracker(server)
  // Session errors (a client that resets mid-handshake) are the client's problem, not a crash of the mock.
  server.on('sessionError', () => {})

  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, resolved.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  await listen(resolved.port)
  const { port } = server.address() as AddressInfo
  const host = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host
  let closed: Promise<void> | undefined

  return {
    url: `${resolved.tls === undefined ? 'http' : 'https'}://${host}:${port}`,
    port,
    received,
    openConnections: () => connections.size,
    reset() {
      // In place: tests may hold a reference to `received`.
      received.length = 0
      failures.clear()
      serverFaults.set(null)
    },
    setFaults(faults) {
      serverFaults.set(faults)
    },
    down() {
      // Refuses new connections (ECONNREFUSED) and cuts the open ones, as a crashed upstream would.
      if (!server.listening) return Promise.resolve()
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        connections.destroyAll()
      })
    },
    up() {
      return server.listening ? Promise.resolve() : listen(port)
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        connections.destroyAll()
      })
      return closed
    },
  }
}

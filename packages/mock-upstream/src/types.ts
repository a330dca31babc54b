/** The public shapes of the mock: its options, what it records, and the handle `createMockUpstream` returns. */
import type { MockFaults } from './server-faults.js'

/** Options of {@link createMockUpstream}; every field is optional. */
export interface MockUpstreamOptions {
  /** TCP port to listen on; 0 (the default) asks the OS for a free one. */
  port?: number
  /** Interface to bind; default '127.0.0.1'. */
  host?: string
  /** When set, serve HTTP/2 over TLS (HTTP/1.1 still accepted through ALPN). */
  tls?: { key: string | Buffer; cert: string | Buffer }
  /** Models listed by GET /v1/models; default ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']. */
  models?: string[]
  /** Delay before the response headers of every request, in ms (default 0). */
  latencyMs?: number
  /** Delay between two SSE events, in ms (default 0). */
  chunkDelayMs?: number
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401 `invalid_api_key` error. */
  apiKey?: string
}

/** One request as the mock received it, recorded before any reply is produced. */
export interface ReceivedRequest {
  method: string
  /** The request target: path plus query string, as sent. */
  path: string
  /** Headers as node gives them (lowercased names; HTTP/2 pseudo-headers included). */
  headers: Record<string, string | string[] | undefined>
  /** The exact body bytes. */
  body: Buffer
  /** '1.1' or '2.0'. */
  httpVersion: string
}

/** A running mock upstream. */
export interface MockUpstream {
  /** Base URL without a trailing slash, e.g. 'http://127.0.0.1:41234'. */
  url: string
  port: number
  /** Every request, in arrival order. */
  received: ReceivedRequest[]
  /** Sockets currently open to the server (for tests that check the gateway closed an upstream socket). */
  openConnections(): number
  /** Clears `received`, the per-id `x-mock-fail-first` counters and the faults set by `setFaults`. */
  reset(): void
  /**
   * Faults every request gets from now on, whatever its control headers say (`null` clears them):
   * one upstream of several failing while the others answer, which per-request headers cannot do
   * behind a gateway that forwards the same headers to every candidate.
   */
  setFaults(faults: MockFaults | null): void
  /** Stops listening and cuts every open connection: new connections are refused until `up()`. */
  down(): Promise<void>
  /** Listens again on the same port after `down()`. */
  up(): Promise<void>
  /** Closes the server and destroys every open socket and HTTP/2 session at once. */
  close(): Promise<void>
}

/**
 * One upstream provider: its undici Pool (HTTP/1.1 keep-alive, or HTTP/2 over TLS when
 * negotiated), the credentials injected on every request, and its pool statistics.
 */
import { Pool } from 'undici'
import type { ResolvedOptions, ResolvedUpstream } from '../options.js'

export interface UpstreamStats {
  origin: string
  /** Connections open now. */
  connected: number
  /** Open connections with no request in flight. */
  free: number
  /** Requests waiting for a connection. */
  pending: number
  /** Requests in flight. */
  running: number
  /** pending + running. */
  size: number
}

export class Upstream {
  readonly config: ResolvedUpstream
  readonly pool: Pool
  /** Lowercased `[name, value, ...]` pairs added to every request (credentials last, so they win). */
  readonly injectedHeaders: readonly string[]
  readonly injectedNames: ReadonlySet<string>

  constructor(config: ResolvedUpstream, timeouts: ResolvedOptions['timeouts']) {
    this.config = config
    const tls = config.tls ?? {}
    this.pool = new Pool(config.origin, {
      connections: config.connections,
      allowH2: config.http2,
      pipelining: 1,
      headersTimeout: timeouts.headersMs,
      bodyTimeout: timeouts.bodyIdleMs,
      connect: {
        timeout: timeouts.connectMs,
        ...(tls.ca !== undefined && { ca: tls.ca }),
        ...(tls.rejectUnauthorized !== undefined && { rejectUnauthorized: tls.rejectUnauthorized }),
        ...(tls.servername !== undefined && { servername: tls.servername }),
      },
    })
    const injected: string[] = []
    for (const [name, value] of Object.entries(config.headers)) {
      if (name !== 'authorization') injected.push(name, value)
    }
    if (config.apiKey !== undefined) injected.push('authorization', `Bearer ${config.apiKey}`)
    this.injectedHeaders = Object.freeze(injected)
    this.injectedNames = new Set(injected.filter((_, i) => i % 2 === 0))
  }

  /** Opens connections ahead of traffic with GETs of the warm-up path (not HEAD: some providers close on it). */
  async warmup(connections = this.config.connections): Promise<void> {
    const headers: string[] = [...this.injectedHeaders]
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const { body } = await this.pool.request({ method: 'GET', path: this.config.warmupPath, headers })
        await body.dump()
      }),
    )
  }

  stats(): UpstreamStats {
    const s = this.pool.stats
    return {
      origin: this.config.origin,
      connected: s.connected,
      free: s.free,
      pending: s.pending,
      running: s.running,
      size: s.size,
    }
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

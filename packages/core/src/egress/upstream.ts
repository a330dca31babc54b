/**
 * One upstream provider: its undici Pool (HTTP/1.1 keep-alive, or HTTP/2 over TLS when
 * negotiated), the credentials injected on every request in its auth style, warm-up, and its
 * counters (attempts, retries, fallbacks) next to the pool's own statistics.
 */
import { Pool } from 'undici'
import type { HealthSnapshot } from '../health/health-types.js'
import type { UpstreamHealth } from '../health/upstream-health.js'
import type { ResolvedOptions } from '../options.js'
import type { ResolvedUpstream } from './upstream-options.js'

export interface UpstreamStats {
  name: string
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
  /** Requests sent to this upstream, retries included. */
  attempts: number
  /** Attempts that were retries on this same upstream. */
  retries: number
  /** Requests that came here after another candidate failed. */
  fallbacks: number
  /** Attempts that ended in a transport error or a retryable status. */
  failures: number
  /** Outlier ejection, cooldowns and latency (docs/guide/resilience.md); null when `health` is off. */
  health: HealthSnapshot | null
}

const ANTHROPIC_VERSION = '2023-06-01'

/** One place a request may go: an upstream, and the model name to send it (a route's candidate). */
export interface Candidate {
  readonly upstream: Upstream
  /** The model name to send upstream; undefined keeps the client's. */
  readonly model: string | undefined
}

export class Upstream {
  readonly config: ResolvedUpstream
  readonly pool: Pool
  /** Lowercased `[name, value, ...]` pairs that replace any client header of the same name. */
  readonly injectedHeaders: readonly string[]
  readonly injectedNames: ReadonlySet<string>
  /**
   * Headers sent only when the client sent none of that name: `anthropic-version` for an Anthropic
   * upstream, so an Anthropic client's own version (and its betas) reach the upstream as sent.
   */
  readonly defaultHeaders: readonly string[]
  attempts = 0
  retries = 0
  fallbacks = 0
  failures = 0
  /** This upstream's health state machine; undefined when `health` is off (set by the gateway). */
  health: UpstreamHealth | undefined = undefined

  constructor(config: ResolvedUpstream, timeouts: ResolvedOptions['timeouts']) {
    this.config = config
    const tls = config.tls ?? {}
    this.pool = new Pool(config.origin, {
      connections: config.connections,
      allowH2: config.http2,
      pipelining: 1,
      // LLM traffic is sparse and bursty: undici's 4 s default would close connections between
      // calls and pay a TLS handshake again. A server that says less (Keep-Alive: timeout=N) wins;
      // the race with a server closing first is a reset before headers, which the exchange retries.
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
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
    for (const [name, value] of Object.entries(config.headers)) injected.push(name, value)
    if (config.apiKey !== undefined) {
      const key = config.apiKey
      if (config.auth === 'bearer') injected.push('authorization', `Bearer ${key}`)
      else if (config.auth === 'api-key') injected.push('api-key', key)
      else injected.push('x-api-key', key)
    }
    const anthropic = config.auth === 'anthropic' || config.format === 'anthropic'
    const version = anthropic && config.headers['anthropic-version'] === undefined
    this.defaultHeaders = Object.freeze(version ? ['anthropic-version', ANTHROPIC_VERSION] : [])
    this.injectedHeaders = Object.freeze(injected)
    this.injectedNames = new Set(injected.filter((_, i) => i % 2 === 0))
  }

  /** Opens connections ahead of traffic with GETs of the warm-up path (not HEAD: some providers close on it). */
  async warmup(connections = this.config.connections): Promise<void> {
    const headers = [...this.injectedHeaders, ...this.defaultHeaders]
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
      name: this.config.name,
      origin: this.config.origin,
      connected: s.connected,
      free: s.free,
      pending: s.pending,
      running: s.running,
      size: s.size,
      attempts: this.attempts,
      retries: this.retries,
      fallbacks: this.fallbacks,
      failures: this.failures,
      health: null, // filled in by the gateway, which holds the health clock
    }
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

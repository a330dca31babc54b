/**
 * The state one gateway shares with every request it handles: resolved options, the buffer pool,
 * the upstream, and plain counters (read by `gateway.stats()`).
 */

import type { Upstream } from '../egress/upstream.js'
import type { VeloxErrorCode } from '../errors.js'
import type { BufferPool } from '../ingress/buffer-pool.js'
import type { Limiter } from '../limit/limiter.js'
import type { Logger, ResolvedOptions } from '../options.js'
import type { Router } from '../route/router.js'
import type { ExchangeRecord } from '../telemetry/exchange-record.js'

export interface RequestCounters {
  /** Requests taken by the gateway. */
  total: number
  /** Requests not finished yet. */
  active: number
  /** Requests whose response reached its end (any status). */
  completed: number
  /** Requests the gateway answered with its own error. */
  rejected: number
  /** Requests whose client left before the response ended. */
  clientAborted: number
  /** Upstream failures after response bytes went out (the client's response was cut). */
  upstreamFailedMidResponse: number
  /** Bodies a body parser had already parsed, serialized again (slower path). */
  reserializedBodies: number
  /** Gateway errors by code. */
  errors: Partial<Record<VeloxErrorCode, number>>
}

export interface GatewayContext {
  readonly options: ResolvedOptions
  readonly bufferPool: BufferPool
  /** Every upstream, the default first. */
  readonly upstreams: readonly Upstream[]
  readonly router: Router
  readonly counters: RequestCounters
  /** The rate limiter; undefined when `limit` is off. */
  readonly limiter: Limiter | undefined
  readonly closing: boolean
  readonly logger: Logger | undefined
  /** True when something listens for exchange records (so they are worth building). */
  readonly recordsWanted: boolean
  recordExchange(record: ExchangeRecord): void
  /** Logs (or emits a process warning) once per code for the gateway's life. */
  warnOnce(code: string, message: string): void
}

export function newCounters(): RequestCounters {
  return {
    total: 0,
    active: 0,
    completed: 0,
    rejected: 0,
    clientAborted: 0,
    upstreamFailedMidResponse: 0,
    reserializedBodies: 0,
    errors: {},
  }
}

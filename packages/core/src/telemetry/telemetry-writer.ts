/**
 * The main thread's side of the telemetry hand-off: writes fixed-size Int32 records (record-layout.ts)
 * into the RingQueue the sidecar worker drains. Per request that is a few Map lookups for label ids
 * and fourteen Int32 stores; no object, string or message is made. When the ring is full the
 * record is dropped and counted by the ring (`velox_telemetry_dropped_total`): the request path
 * never waits for the worker.
 */
import type { RingQueue } from '../queue/ring-queue.js'
import type { ExchangeRecord } from './exchange-record.js'
import type { LabelInterner } from './label-interner.js'
import {
  EL_MAX,
  EL_MEAN,
  EL_MIN,
  EL_P50,
  EL_P90,
  EL_P99,
  EX_ATTEMPTS,
  EX_ERROR_CODE,
  EX_FALLBACKS,
  EX_FLAGS,
  EX_INPUT_TOKENS,
  EX_LATENCY_US,
  EX_METHOD,
  EX_MODEL,
  EX_OUTPUT_TOKENS,
  EX_ROUTE,
  EX_STATUS,
  EX_TTFT_US,
  EX_UPSTREAM,
  FLAG_CLIENT_ABORTED,
  FLAG_STREAM,
  KIND,
  KIND_EVENT_LOOP,
  KIND_EXCHANGE,
  KIND_LIMIT_DECISION,
  KIND_MEMORY,
  KIND_POOL,
  KIND_QUEUE_DEPTH,
  KIND_USAGE_DETAIL,
  LD_COUNT,
  LD_DECISION,
  LIMIT_DECISIONS,
  type LimitDecision,
  MEM_EXTERNAL,
  MEM_HEAP_TOTAL,
  MEM_HEAP_USED,
  MEM_RSS,
  METHODS,
  POOL_CONNECTED,
  POOL_COOLDOWNS,
  POOL_EJECTED,
  POOL_EJECTIONS,
  POOL_FREE,
  POOL_PENDING,
  POOL_RUNNING,
  POOL_UPSTREAM,
  QD_DEPTH,
  toSlot,
  UD_CACHE_WRITE,
  UD_CACHED_INPUT,
  UD_COST,
  UD_FLAG_CACHED,
  UD_FLAGS,
  UD_MODEL,
  UD_REASONING,
  writeCost,
} from './record-layout.js'
import type { TelemetrySink } from './telemetry-sink.js'

const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]))

export interface EventLoopSample {
  /** Nanoseconds, as perf_hooks' histogram reports them. */
  min: number
  max: number
  mean: number
  p50: number
  p90: number
  p99: number
}

export interface PoolSample {
  /** The upstream's name, the `upstream` label of its requests. */
  name: string
  connected: number
  free: number
  pending: number
  running: number
  /** The upstream's health (gateway.stats().upstreams[i].health); null or absent when health is off. */
  health?: { state: string; ejections: number; cooldowns: number } | null
}

/** What a usage-detail record carries (cost in the unit of pricing). */
export interface UsageDetailSample {
  model: string | undefined
  cachedInputTokens: number | undefined
  cacheWriteTokens: number | undefined
  reasoningTokens: number | undefined
  cost: number | undefined
  cached: boolean
}

export class TelemetryWriter implements TelemetrySink {
  readonly ring: RingQueue
  readonly labels: LabelInterner

  constructor(ring: RingQueue, labels: LabelInterner) {
    this.ring = ring
    this.labels = labels
  }

  exchange(r: ExchangeRecord): void {
    const labels = this.labels
    // Label ids first: a new label is posted to the worker before the record that uses it.
    const route = labels.route(r.path)
    const model = labels.models.id(r.model)
    const upstream = labels.upstreams.id(r.upstream)
    const errorCode = labels.errorCodes.id(r.errorCode)
    const at = this.ring.claim()
    if (at < 0) return
    const d = this.ring.data
    d[at + KIND] = KIND_EXCHANGE
    d[at + EX_METHOD] = METHOD_INDEX.get(r.method) ?? 0
    d[at + EX_ROUTE] = route
    d[at + EX_MODEL] = model
    d[at + EX_UPSTREAM] = upstream
    d[at + EX_STATUS] = r.status
    d[at + EX_ERROR_CODE] = errorCode
    d[at + EX_ATTEMPTS] = toSlot(r.attempts)
    d[at + EX_FALLBACKS] = toSlot(r.fallbacks)
    d[at + EX_LATENCY_US] = toSlot(r.latencyMs * 1000)
    d[at + EX_TTFT_US] = r.ttftMs === undefined ? -1 : toSlot(r.ttftMs * 1000)
    d[at + EX_INPUT_TOKENS] = toSlot(r.inputTokens)
    d[at + EX_OUTPUT_TOKENS] = toSlot(r.outputTokens)
    d[at + EX_FLAGS] = (r.stream ? FLAG_STREAM : 0) | (r.clientAborted ? FLAG_CLIENT_ABORTED : 0)
    this.ring.publish()
    if (
      r.cost !== undefined ||
      r.cachedInputTokens !== undefined ||
      r.cacheWriteTokens !== undefined ||
      r.reasoningTokens !== undefined
    ) {
      this.usageDetail(r)
    }
  }

  /** Cached, cache-write and reasoning tokens and the cost of an exchange (velox_tokens_total, velox_cost_total). */
  usageDetail(u: UsageDetailSample): void {
    const model = this.labels.models.id(u.model)
    const at = this.ring.claim()
    if (at < 0) return
    const d = this.ring.data
    d[at + KIND] = KIND_USAGE_DETAIL
    d[at + UD_MODEL] = model
    d[at + UD_CACHED_INPUT] = toSlot(u.cachedInputTokens)
    d[at + UD_CACHE_WRITE] = toSlot(u.cacheWriteTokens)
    d[at + UD_REASONING] = toSlot(u.reasoningTokens)
    writeCost(d, at + UD_COST, u.cost)
    d[at + UD_FLAGS] = u.cached ? UD_FLAG_CACHED : 0
    this.ring.publish()
  }

  limitDecision(decision: LimitDecision, count = 1): void {
    const index = LIMIT_DECISIONS.indexOf(decision)
    if (index === -1 || !(count > 0)) return
    const at = this.ring.claim()
    if (at < 0) return
    this.ring.data[at + KIND] = KIND_LIMIT_DECISION
    this.ring.data[at + LD_DECISION] = index
    this.ring.data[at + LD_COUNT] = toSlot(count)
    this.ring.publish()
  }

  queueDepth(depth: number): void {
    const at = this.ring.claim()
    if (at < 0) return
    this.ring.data[at + KIND] = KIND_QUEUE_DEPTH
    this.ring.data[at + QD_DEPTH] = toSlot(depth)
    this.ring.publish()
  }

  eventLoop(s: EventLoopSample): void {
    const at = this.ring.claim()
    if (at < 0) return
    const d = this.ring.data
    d[at + KIND] = KIND_EVENT_LOOP
    d[at + EL_MIN] = toSlot(s.min / 1000)
    d[at + EL_MAX] = toSlot(s.max / 1000)
    d[at + EL_MEAN] = toSlot(s.mean / 1000)
    d[at + EL_P50] = toSlot(s.p50 / 1000)
    d[at + EL_P90] = toSlot(s.p90 / 1000)
    d[at + EL_P99] = toSlot(s.p99 / 1000)
    this.ring.publish()
  }

  memory(m: NodeJS.MemoryUsage): void {
    const at = this.ring.claim()
    if (at < 0) return
    const d = this.ring.data
    d[at + KIND] = KIND_MEMORY
    d[at + MEM_RSS] = toSlot(m.rss / 1024)
    d[at + MEM_HEAP_TOTAL] = toSlot(m.heapTotal / 1024)
    d[at + MEM_HEAP_USED] = toSlot(m.heapUsed / 1024)
    d[at + MEM_EXTERNAL] = toSlot(m.external / 1024)
    this.ring.publish()
  }

  pool(p: PoolSample): void {
    const upstream = this.labels.upstreams.id(p.name)
    const at = this.ring.claim()
    if (at < 0) return
    const d = this.ring.data
    d[at + KIND] = KIND_POOL
    d[at + POOL_UPSTREAM] = upstream
    d[at + POOL_CONNECTED] = toSlot(p.connected)
    d[at + POOL_FREE] = toSlot(p.free)
    d[at + POOL_PENDING] = toSlot(p.pending)
    d[at + POOL_RUNNING] = toSlot(p.running)
    const h = p.health
    d[at + POOL_EJECTED] = h ? (h.state === 'healthy' ? 0 : 1) : -1
    d[at + POOL_EJECTIONS] = h ? toSlot(h.ejections) : -1
    d[at + POOL_COOLDOWNS] = h ? toSlot(h.cooldowns) : -1
    this.ring.publish()
  }
}

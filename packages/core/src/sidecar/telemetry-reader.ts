/**
 * The worker's side of the telemetry hand-off: drains the RingQueue record by record into the
 * prom-client metrics, in batches on a timer and before each scrape. Label pairs are pulled from
 * their port synchronously (`receiveMessageOnPort`): the main thread posts a label before it
 * publishes the first record that uses it, so an id read from the ring is always in the port's
 * queue by then, if not yet in the table.
 */
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads'
import type { RingQueue } from '../queue/ring-queue.js'
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
  MEM_EXTERNAL,
  MEM_HEAP_TOTAL,
  MEM_HEAP_USED,
  MEM_RSS,
  METHODS,
  NO_LABEL,
  OTHER_LABEL,
  POOL_CONNECTED,
  POOL_COOLDOWNS,
  POOL_EJECTED,
  POOL_EJECTIONS,
  POOL_FREE,
  POOL_PENDING,
  POOL_RUNNING,
  POOL_UPSTREAM,
  QD_DEPTH,
  readCost,
  UD_CACHE_WRITE,
  UD_CACHED_INPUT,
  UD_COST,
  UD_MODEL,
  UD_REASONING,
} from '../telemetry/record-layout.js'
import type { SidecarMetrics } from './metrics.js'
import type { LabelPair } from './worker-protocol.js'

/**
 * How often the reader drains the ring (ms). On a timer, not woken per record: a wake-up per
 * request cost the worker (and, on a busy machine, the main thread it competes with for cores)
 * more than the metrics themselves. 100 ms drains up to 160,000 records a second from a ring of
 * 16,384; a scrape drains first, so /metrics is never behind.
 */
export const DRAIN_INTERVAL_MS = 100

export class TelemetryReader {
  readonly #ring: RingQueue
  readonly #labelPort: MessagePort
  readonly #metrics: SidecarMetrics
  readonly #labels: string[] = []

  constructor(ring: RingQueue, labelPort: MessagePort, metrics: SidecarMetrics) {
    this.#ring = ring
    this.#labelPort = labelPort
    this.#metrics = metrics
    this.#labels[NO_LABEL] = ''
    this.#labels[OTHER_LABEL] = 'other'
  }

  /** Applies every record published so far. Called on a timer, and before each scrape. */
  drain(): number {
    this.#pullLabels()
    const ring = this.#ring
    let count = 0
    for (let at = ring.peek(); at !== -1; at = ring.peek()) {
      this.#apply(ring.data, at)
      ring.release()
      count++
    }
    return count
  }

  #pullLabels(): void {
    for (
      let m = receiveMessageOnPort(this.#labelPort);
      m !== undefined;
      m = receiveMessageOnPort(this.#labelPort)
    ) {
      const [id, value] = m.message as LabelPair
      this.#labels[id] = value
    }
  }

  /** Drains every DRAIN_INTERVAL_MS until the ring is closed. The timer does not keep the thread alive. */
  start(): void {
    const timer = setInterval(() => {
      this.drain()
      if (this.#ring.closed) clearInterval(timer)
    }, DRAIN_INTERVAL_MS)
    timer.unref()
  }

  #label(id: number): string {
    const known = this.#labels[id]
    if (known !== undefined) return known
    // The main thread kept running while this drain ran: a record published after the labels were
    // pulled can use a label posted after that. It was posted before the record, so it is there now.
    this.#pullLabels()
    return this.#labels[id] ?? 'other'
  }

  #apply(d: Int32Array, at: number): void {
    const m = this.#metrics
    switch (d[at + KIND]) {
      case KIND_EXCHANGE: {
        const flags = d[at + EX_FLAGS]!
        const ttft = d[at + EX_TTFT_US]!
        m.exchange({
          route: this.#label(d[at + EX_ROUTE]!),
          method: METHODS[d[at + EX_METHOD]!] ?? 'other',
          model: this.#label(d[at + EX_MODEL]!),
          upstream: this.#label(d[at + EX_UPSTREAM]!),
          status: d[at + EX_STATUS]!,
          errorCode: this.#label(d[at + EX_ERROR_CODE]!),
          attempts: d[at + EX_ATTEMPTS]!,
          fallbacks: d[at + EX_FALLBACKS]!,
          latencySeconds: d[at + EX_LATENCY_US]! / 1e6,
          ttftSeconds: ttft < 0 ? -1 : ttft / 1e6,
          inputTokens: d[at + EX_INPUT_TOKENS]!,
          outputTokens: d[at + EX_OUTPUT_TOKENS]!,
          stream: (flags & FLAG_STREAM) !== 0,
          clientAborted: (flags & FLAG_CLIENT_ABORTED) !== 0,
        })
        break
      }
      case KIND_USAGE_DETAIL:
        m.usageDetail({
          model: this.#label(d[at + UD_MODEL]!),
          cachedInputTokens: d[at + UD_CACHED_INPUT]!,
          cacheWriteTokens: d[at + UD_CACHE_WRITE]!,
          reasoningTokens: d[at + UD_REASONING]!,
          cost: readCost(d, at + UD_COST),
        })
        break
      case KIND_LIMIT_DECISION: {
        const decision = LIMIT_DECISIONS[d[at + LD_DECISION]!]
        if (decision !== undefined) m.limitDecisions.inc({ decision }, d[at + LD_COUNT]!)
        break
      }
      case KIND_QUEUE_DEPTH:
        m.queueDepth.set(d[at + QD_DEPTH]!)
        break
      case KIND_EVENT_LOOP: {
        const set = (stat: string, slot: number) => m.eventLoopDelay.set({ stat }, d[at + slot]! / 1e6)
        set('min', EL_MIN)
        set('max', EL_MAX)
        set('mean', EL_MEAN)
        set('p50', EL_P50)
        set('p90', EL_P90)
        set('p99', EL_P99)
        break
      }
      case KIND_MEMORY: {
        const set = (type: string, slot: number) => m.memory.set({ type }, d[at + slot]! * 1024)
        set('rss', MEM_RSS)
        set('heap_total', MEM_HEAP_TOTAL)
        set('heap_used', MEM_HEAP_USED)
        set('external', MEM_EXTERNAL)
        break
      }
      case KIND_POOL: {
        const upstream = this.#label(d[at + POOL_UPSTREAM]!)
        m.poolConnections.set({ upstream, state: 'connected' }, d[at + POOL_CONNECTED]!)
        m.poolConnections.set({ upstream, state: 'free' }, d[at + POOL_FREE]!)
        m.poolRequests.set({ upstream, state: 'pending' }, d[at + POOL_PENDING]!)
        m.poolRequests.set({ upstream, state: 'running' }, d[at + POOL_RUNNING]!)
        if (d[at + POOL_EJECTED]! >= 0) {
          m.health(upstream, d[at + POOL_EJECTED]!, d[at + POOL_EJECTIONS]!, d[at + POOL_COOLDOWNS]!)
        }
        break
      }
    }
  }
}

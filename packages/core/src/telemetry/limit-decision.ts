/**
 * Rate-limit telemetry from admission control outside the built-in limiter (whose own counts the
 * sampler reads from `gateway.stats().limit`): what was decided for each request, and how deep the
 * queue is. Called on the main thread; with metrics off they test one field and return.
 * Decisions are also published on the diagnostics channel `velox:limit:decision` (with the
 * caller's key, which is never a metric label: its cardinality is the number of users) when
 * something subscribes.
 */
import { channel } from 'node:diagnostics_channel'
import type { LimitDecision } from './record-layout.js'
import type { TelemetrySink } from './telemetry-sink.js'

export type { LimitDecision } from './record-layout.js'

/** What the limiter needs of a gateway: its telemetry sink, null when metrics are off. */
export interface TelemetryTarget {
  readonly telemetry: TelemetrySink | null
}

export interface LimitDecisionMessage {
  decision: LimitDecision
  key: string | undefined
}

const decisions = channel('velox:limit:decision')

/**
 * Counts one rate-limit decision in `velox_limit_decisions_total{decision}`.
 *
 * @example
 * import { recordLimitDecision } from '@velox/core'
 * if (bucket.tryAcquire()) recordLimitDecision(gateway, 'admitted', key)
 * else recordLimitDecision(gateway, 'rejected_429', key)
 */
export function recordLimitDecision(gateway: TelemetryTarget, decision: LimitDecision, key?: string): void {
  const sink = gateway.telemetry
  if (sink !== null) sink.limitDecision(decision)
  if (decisions.hasSubscribers) decisions.publish({ decision, key } satisfies LimitDecisionMessage)
}

/**
 * Sets `velox_limit_queue_depth`: call it whenever the admission queue grows or shrinks.
 *
 * @example
 * queue.push(waiter)
 * recordQueueDepth(gateway, queue.length)
 */
export function recordQueueDepth(gateway: TelemetryTarget, depth: number): void {
  const sink = gateway.telemetry
  if (sink !== null) sink.queueDepth(depth)
}

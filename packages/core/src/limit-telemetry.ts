/**
 * The public face of telemetry/limit-decision.ts: an app that runs its own admission control
 * reports its decisions and queue depth against a Gateway (docs/guide/observability.md), whose
 * telemetry sink is private to its core.
 */
import { type Gateway, gatewayCore } from './gateway.js'
import {
  recordLimitDecision as decide,
  recordQueueDepth as depth,
  type LimitDecision,
} from './telemetry/limit-decision.js'

/**
 * Counts one rate-limit decision in `velox_limit_decisions_total{decision}`.
 *
 * @example
 * import { recordLimitDecision } from '@velox/core'
 * if (bucket.tryAcquire()) recordLimitDecision(gateway, 'admitted', key)
 * else recordLimitDecision(gateway, 'rejected_429', key)
 */
export function recordLimitDecision(gateway: Gateway, decision: LimitDecision, key?: string): void {
  decide(gatewayCore(gateway), decision, key)
}

/**
 * Sets `velox_limit_queue_depth`: call it whenever your admission queue grows or shrinks.
 *
 * @example
 * queue.push(waiter)
 * recordQueueDepth(gateway, queue.length)
 */
export function recordQueueDepth(gateway: Gateway, queueDepth: number): void {
  depth(gatewayCore(gateway), queueDepth)
}

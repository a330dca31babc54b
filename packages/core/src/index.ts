/**
 * @velox/core: an OpenAI-compatible AI gateway that runs inside a Node.js app. Adapters
 * (@velox/express, @velox/koa, @velox/fastify) hand it raw Node requests for `/v1/*`; it reads the
 * body into pooled buffers, scans the fields it needs without a full parse, and proxies to the
 * upstream over undici, streaming the response back as it arrives.
 *
 * Comments that mention "the Rust Velox gateway" mean the project this one re-imagines for Node:
 * Velox (github.com/AidanHT/Velox), a standalone AI inference gateway written in Rust (a lock-free
 * ingress channel, SIMD JSON parsing, per-worker arenas, pooled HTTP/2 egress, an atomic token
 * bucket), whose measured tables bench/ re-runs in Node.
 *
 * This is the public API, and all of it: the gateway, its errors, and the types of its options,
 * stats and events, plus the few helpers the docs describe (DEFAULTS, createLimitBuffer,
 * createBudgetBuffer, the
 * redaction helpers, recordLimitDecision and recordQueueDepth). A test pins this list
 * (test/public-api.test.ts). Building blocks are in `@velox/core/internal`, which is unstable.
 */

export type { BudgetStoreStats } from './budget/budget-store.js'
export { createBudgetBuffer } from './budget/memory-budget-store.js'
export type { CacheStats } from './cache/response-cache.js'
export type { CostStats } from './cost/cost-ledger.js'
export type { UpstreamStats } from './egress/upstream.js'
export {
  ERRORS,
  type ErrorSpec,
  type OpenAIErrorType,
  VeloxError,
  type VeloxErrorCode,
  VeloxOptionsError,
} from './errors.js'
export {
  createGateway,
  Gateway,
  type GatewayEvents,
  type GatewayStats,
  isGateway,
  type PreParsedBody,
} from './gateway.js'
export type { HealthSnapshot, UpstreamEvent } from './health/health-types.js'
export type { BufferPoolStats } from './ingress/buffer-pool.js'
export { createLimitBuffer } from './limit/limit-buffer.js'
export type { LimitStats } from './limit/limiter.js'
export { recordLimitDecision, recordQueueDepth } from './limit-telemetry.js'
export type { OffloadStats } from './offload/offload-scanner.js'
export {
  type BudgetGroupOptions,
  type BudgetOptions,
  type BudgetPeriod,
  type BudgetRedisOptions,
  type CacheOptions,
  type CacheRedisOptions,
  type CandidateOption,
  DEFAULTS,
  fromEnv,
  type HealthOptions,
  type LimitOptions,
  type LimitOverride,
  type Logger,
  type MeterLike,
  type ModelPrice,
  type ModelsEndpoint,
  type OffloadOptions,
  type PricingOptions,
  type RedisStoreOptions,
  type ResolvedOptions,
  type RetryOptions,
  type RouteOptions,
  type SharedStoreOptions,
  type TimeoutOptions,
  type TokenEstimateInput,
  type TracerLike,
  type TracingOptions,
  type UpstreamAuth,
  type UpstreamOptions,
  type UsageOptions,
  type VeloxOptions,
} from './options.js'
export type { Sidecar } from './sidecar/handle.js'
export type { ResolvedSidecar, SidecarOptions } from './sidecar/options.js'
export type { ExchangeRecord } from './telemetry/exchange-record.js'
export type { LimitDecision, LimitDecisionMessage } from './telemetry/limit-decision.js'
export { REDACTED, redactHeaders, redactingLogger, redactText } from './telemetry/redact.js'
export type { UsageEvent } from './telemetry/usage-event.js'

/**
 * @velox/core: an OpenAI-compatible AI gateway that runs inside a Node.js app. Adapters
 * (@velox/express, @velox/koa, @velox/fastify) hand it raw Node requests for `/v1/*`; it reads the
 * body into pooled buffers, scans the fields it needs without a full parse, and proxies to the
 * upstream over undici, streaming the response back as it arrives.
 */

export type { UpstreamStats } from './egress/upstream.js'
export {
  ERRORS,
  type ErrorSpec,
  type OpenAIErrorType,
  VeloxError,
  type VeloxErrorCode,
  VeloxOptionsError,
} from './errors.js'
export { createGateway, Gateway, type GatewayEvents, type GatewayStats, isGateway } from './gateway.js'
export type { HealthSnapshot, UpstreamEvent } from './health/health-types.js'
export type { BufferPoolStats } from './ingress/buffer-pool.js'
export { BufferPool } from './ingress/buffer-pool.js'
export { type ExtractedFields, extractFields, JsonSyntaxError } from './json/extract-fields.js'
export { createFieldParser, type FieldParser, type ParserName } from './json/field-parser.js'
export { spliceModel } from './json/splice-model.js'
export { createLimitBuffer } from './limit/limit-buffer.js'
export type { LimitStats } from './limit/limiter.js'
export { type BucketSpec, bucketSpec, TokenBucket } from './limit/token-bucket.js'
export type { PreParsedBody } from './node/handle-request.js'
export type { OffloadScanner, OffloadStats } from './offload/offload-scanner.js'
export {
  DEFAULTS,
  fromEnv,
  type HealthOptions,
  type LimitOptions,
  type LimitOverride,
  type Logger,
  type OffloadOptions,
  type RedisStoreOptions,
  type ResolvedOptions,
  resolveOptions,
  type SharedStoreOptions,
  type TimeoutOptions,
  type TokenEstimateInput,
  type UpstreamOptions,
  type VeloxOptions,
} from './options.js'
export { RingQueue } from './queue/ring-queue.js'
export { type Usage, UsageCapture } from './stream/usage.js'
export type { ExchangeRecord } from './telemetry/exchange-record.js'
export {
  type LimitDecision,
  type LimitDecisionMessage,
  recordLimitDecision,
  recordQueueDepth,
  type TelemetryTarget,
} from './telemetry/limit-decision.js'
export { REDACTED, redactHeaders, redactingLogger, redactText } from './telemetry/redact.js'
export type { Sidecar } from './telemetry/sidecar-handle.js'
export type { ResolvedSidecar, SidecarOptions } from './telemetry/sidecar-options.js'
export type { TelemetrySink } from './telemetry/telemetry-sink.js'
export type { UsageEvent } from './telemetry/usage-event.js'

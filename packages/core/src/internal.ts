/**
 * @velox/core/internal: the building blocks behind the gateway, for Velox's own benchmarks
 * (bench/) and tests. UNSTABLE: anything here may change or go in any release, without notice;
 * an app should use only `@velox/core`. Nothing here is part of the semver contract.
 */

export { RetryCursor } from './egress/retry-cursor.js'
export { Upstream } from './egress/upstream.js'
export { newCounters, type RequestCounters } from './exchange/counters.js'
export { Exchange, NEXT, STAGE, type StageResult, WAIT } from './exchange/exchange.js'
export { gatewayCore } from './gateway.js'
export type { GatewayCore, GatewayStats } from './gateway-core.js'
export { ClientWriter } from './http/client-writer.js'
export { BufferPool } from './ingress/buffer-pool.js'
export { CLIENT_GONE, readBody } from './ingress/read-body.js'
export { type ExtractedFields, extractFields, JsonSyntaxError } from './json/extract-fields.js'
export { createFieldParser, type FieldParser, type ParserName } from './json/field-parser.js'
export { spliceModel } from './json/splice-model.js'
export { type AdmissionHandler, AdmissionQueue, PENDING, type Waiting } from './limit/admission.js'
export type { Limiter } from './limit/limiter.js'
export type { LimitStore } from './limit/store.js'
export { type BucketSpec, bucketSpec, TokenBucket } from './limit/token-bucket.js'
export { OffloadScanner } from './offload/offload-scanner.js'
export { resolveOptions } from './options.js'
export { RingQueue } from './queue/ring-queue.js'
export { type Candidate, Router } from './route/router.js'
export { runStages, type StageContext } from './stages/run.js'
export { type Usage, UsageCapture } from './stages/usage.js'
export { recordLimitDecision, recordQueueDepth, type TelemetryTarget } from './telemetry/limit-decision.js'
export type { TelemetrySink } from './telemetry/telemetry-sink.js'

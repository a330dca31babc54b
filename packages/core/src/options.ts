/**
 * Options: the VeloxOptions type, `resolveOptions()` that refuses unknown keys, checks every field
 * with a message naming it and returns a frozen config, and `fromEnv()`. The defaults are one
 * literal (config/defaults.ts); the schema (config/schema.ts) describes every option once.
 */

import { type BudgetOptions, type ResolvedBudget, resolveBudget } from './budget/budget-options.js'
import { type CacheOptions, type ResolvedCache, resolveCache } from './cache/cache-options.js'
import { DEFAULTS } from './config/defaults.js'
import { fromEnvironment } from './config/env.js'
import { checkKnownKeys } from './config/known-keys.js'
import { OPTIONS_SCHEMA } from './config/schema.js'
import { type PricingOptions, type ResolvedPriceRule, resolvePricing } from './cost/cost-options.js'
import { type ResolvedRetry, type RetryOptions, resolveRetry } from './egress/retry-policy.js'
import { type ResolvedUpstream, resolveUpstreams, type UpstreamOptions } from './egress/upstream-options.js'
import { type HealthOptions, type ResolvedHealth, resolveHealth } from './health/health-options.js'
import { type LimitOptions, type ResolvedLimit, resolveLimit } from './limit/limit-options.js'
import { type OffloadOptions, type ResolvedOffload, resolveOffload } from './offload/offload-options.js'
import {
  type ModelsEndpoint,
  type ResolvedRoute,
  type RouteOptions,
  resolveRoutes,
} from './route/route-options.js'
import { type ResolvedSidecar, resolveSidecar, type SidecarOptions } from './sidecar/options.js'
import type { UsageEvent } from './telemetry/usage-event.js'
import { type ResolvedTracing, resolveTracing, type TracingOptions } from './tracing/tracing-options.js'
import {
  resolveTranslate,
  type TranslateOptions,
  type TranslateOptionsInput,
} from './translate/translate-options.js'
import { type ResolvedUsage, resolveUsage, type UsageOptions } from './usage/usage-options.js'
import { fail, globToRegExp, integer, path } from './validate.js'

export type { BudgetGroupOptions, BudgetOptions, BudgetRedisOptions } from './budget/budget-options.js'
export type { BudgetPeriod } from './budget/period.js'
export type { CacheOptions, CacheRedisOptions } from './cache/cache-options.js'
export { DEFAULTS } from './config/defaults.js'
export type { ModelPrice, PricingOptions } from './cost/cost-options.js'
export type { ResolvedRetry, RetryOptions } from './egress/retry-policy.js'
export type { ResolvedUpstream, UpstreamAuth, UpstreamOptions } from './egress/upstream-options.js'
export type { ActiveCheckOptions, HealthOptions, ResolvedHealth } from './health/health-options.js'
export type {
  LimitOptions,
  LimitOverride,
  RedisStoreOptions,
  ResolvedLimit,
  SharedStoreOptions,
  TokenEstimateInput,
} from './limit/limit-options.js'
export type { OffloadOptions } from './offload/offload-options.js'
export type { CandidateOption, ModelsEndpoint, ResolvedRoute, RouteOptions } from './route/route-options.js'
export type { MeterLike, TracerLike } from './tracing/otel-api.js'
export type { TracingOptions } from './tracing/tracing-options.js'
export type { ApiFormat } from './translate/formats.js'
export type { TranslateOptionsInput } from './translate/translate-options.js'
export type { UsageOptions } from './usage/usage-options.js'

export interface Logger {
  debug(obj: unknown, msg?: string): void
  info(obj: unknown, msg?: string): void
  warn(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

export interface TimeoutOptions {
  /** TCP + TLS connect to the upstream. */
  connectMs?: number
  /** From sending the request to the upstream's response headers. */
  headersMs?: number
  /** Longest silence between two chunks of the upstream's response body (streams included). */
  bodyIdleMs?: number
  /** Time the client has to send its whole request body (408 after). */
  clientBodyMs?: number
  /** Everything upstream for one request, retries and fallbacks included (0: no limit). */
  totalMs?: number
}

export interface VeloxOptions {
  /** One upstream (shorthand for `upstreams: [upstream]`). */
  upstream?: UpstreamOptions
  /** Several upstreams by name; the first is the default for requests without a model. */
  upstreams?: UpstreamOptions[]
  /** Model globs to ordered candidate upstreams. Without routes, every model goes to the default upstream. */
  routes?: RouteOptions[]
  /** How GET /v1/models is answered (default: 'routes' when routes are set, else 'proxy'). */
  modelsEndpoint?: ModelsEndpoint
  /** Retries and fallbacks, before the first response byte reaches the client. */
  retry?: RetryOptions
  /**
   * Upstream health: outlier ejection, cooldowns on 429/503 with Retry-After, balancing among equal
   * candidates, optional active checks (docs/guide/resilience.md). On by default; `false`: off.
   */
  health?: HealthOptions | boolean
  /** The path prefix Velox answers; every other path is left to the host app. */
  prefix?: string
  /** Largest request body accepted (413 above). */
  maxBodyBytes?: number
  timeouts?: TimeoutOptions
  /** Rate limits per caller (docs/reference/options.md). Off unless given: `true` or an object turns it on. */
  limit?: LimitOptions | boolean
  /** Model names or globs (`gpt-4o*`) the gateway accepts; others get 404. Default: every model. */
  models?: string[]
  /**
   * What reads the request fields: the byte scanner (default, fastest measured), or the optional
   * `simdjson` package (must be installed; see docs/guide/performance.md).
   */
  parser?: 'scanner' | 'simdjson'
  /**
   * Scan bodies of `thresholdBytes` and more on a worker thread instead of the event loop
   * (`false`: never). Measured in bench/node/offload.ts; see docs/guide/performance.md.
   */
  offload?: false | OffloadOptions
  logger?: Logger
  /** The sidecar thread serving pprof and Prometheus metrics (docs/guide/observability.md). Default: none. */
  sidecar?: SidecarOptions | false
  /** Called once per finished request that reached an upstream, with its tokens (also `gateway.on('usage')`). */
  onUsage?: (event: UsageEvent) => void
  /**
   * OpenTelemetry GenAI tracing: one CLIENT span per exchange and the GenAI client metrics, through
   * `@opentelemetry/api` (an optional peer dependency). Default: off (docs/guide/observability.md).
   */
  tracing?: boolean | TracingOptions
  /** Translation between OpenAI and Anthropic formats (docs/guide/providers.md). */
  translate?: TranslateOptionsInput
  /** Exact usage on streams (docs/guide/cost-and-caching.md). */
  usage?: UsageOptions
  /** Prices per million tokens by model glob; cost appears in usage events, metrics and stats(). */
  pricing?: PricingOptions
  /** Spending limits per caller key (and group) per period. Off unless given. */
  budget?: BudgetOptions
  /** A response cache. Off unless given. */
  cache?: CacheOptions
}

export interface ResolvedOptions {
  /** Every upstream; the first is the default. */
  readonly upstreams: readonly ResolvedUpstream[]
  readonly routes: readonly ResolvedRoute[] | undefined
  readonly modelsEndpoint: ModelsEndpoint
  readonly retry: ResolvedRetry
  /** Undefined when off. */
  readonly health: ResolvedHealth | undefined
  readonly prefix: string
  readonly maxBodyBytes: number
  readonly timeouts: Readonly<Required<TimeoutOptions>>
  readonly limit: ResolvedLimit | undefined
  readonly models: readonly RegExp[] | undefined
  readonly parser: 'scanner' | 'simdjson'
  /** Undefined when off. */
  readonly offload: ResolvedOffload | undefined
  readonly logger: Logger | undefined
  readonly sidecar: ResolvedSidecar | undefined
  readonly onUsage: ((event: UsageEvent) => void) | undefined
  /** Null when off. */
  readonly tracing: ResolvedTracing | null
  readonly translate: TranslateOptions
  readonly usage: ResolvedUsage
  /** Undefined when no pricing is given. */
  readonly pricing: readonly ResolvedPriceRule[] | undefined
  readonly budget: ResolvedBudget | undefined
  readonly cache: ResolvedCache | undefined
}

/** Checks every field and fills in the defaults. Throws a VeloxOptionsError naming the field. */
export function resolveOptions(options: VeloxOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options)
  checkKnownKeys(options, OPTIONS_SCHEMA)
  const t = options.timeouts ?? {}
  const d = DEFAULTS.timeouts
  const timeouts = Object.freeze({
    connectMs: integer('timeouts.connectMs', t.connectMs, 0, d.connectMs),
    headersMs: integer('timeouts.headersMs', t.headersMs, 0, d.headersMs),
    bodyIdleMs: integer('timeouts.bodyIdleMs', t.bodyIdleMs, 0, d.bodyIdleMs),
    clientBodyMs: integer('timeouts.clientBodyMs', t.clientBodyMs, 0, d.clientBodyMs),
    totalMs: integer('timeouts.totalMs', t.totalMs, 0, d.totalMs),
  })
  const upstreams = resolveUpstreams(options.upstream, options.upstreams)
  const routes = resolveRoutes(options.routes, new Set(upstreams.map((u) => u.name)))
  const modelsEndpoint = options.modelsEndpoint ?? (routes ? 'routes' : 'proxy')
  if (!['proxy', 'routes', 'merge'].includes(modelsEndpoint)) {
    fail('modelsEndpoint', "one of 'proxy', 'routes', 'merge'", modelsEndpoint)
  }
  const limit = resolveLimit(options.limit, DEFAULTS.limit)
  let models: RegExp[] | undefined
  if (options.models !== undefined) {
    if (!Array.isArray(options.models) || options.models.some((m) => typeof m !== 'string' || m === '')) {
      fail('models', 'an array of non-empty strings', options.models)
    }
    models = options.models.map(globToRegExp)
  }
  const parser = options.parser ?? DEFAULTS.parser
  if (parser !== 'scanner' && parser !== 'simdjson') fail('parser', "'scanner' or 'simdjson'", parser)
  const offload = resolveOffload(options.offload, parser)
  const logger = options.logger
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger?.warn !== 'function')) {
    fail('logger', 'a pino-compatible logger (with debug, info, warn, error)', '[object]')
  }
  if (options.onUsage !== undefined && typeof options.onUsage !== 'function') {
    fail('onUsage', 'a function', typeof options.onUsage)
  }
  return Object.freeze({
    upstreams,
    routes,
    modelsEndpoint,
    retry: resolveRetry(options.retry),
    health: resolveHealth(options.health),
    prefix: path('prefix', options.prefix, DEFAULTS.prefix),
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes, 1, DEFAULTS.maxBodyBytes),
    timeouts,
    limit,
    models: models && Object.freeze(models),
    parser,
    offload,
    logger,
    sidecar: resolveSidecar(options.sidecar),
    onUsage: options.onUsage,
    tracing: resolveTracing(options.tracing),
    translate: resolveTranslate(options.translate),
    usage: resolveUsage(options.usage),
    pricing: resolvePricing(options.pricing),
    budget: resolveBudget(options.budget),
    cache: resolveCache(options.cache),
  })
}

/**
 * Reads the options from the environment: every scalar option has a `VELOX_*` variable named after
 * its path (the Rust Velox gateway's seven keep their names), and `VELOX_CONFIG` holds a JSON
 * document or a JSON file's path for the rest. The list is in docs/reference/options.md.
 *
 * @example
 * const gateway = createGateway({ ...fromEnv(), prefix: '/v1' })
 */
export function fromEnv(env: NodeJS.ProcessEnv = process.env): VeloxOptions {
  return fromEnvironment(env) as VeloxOptions
}

/**
 * Options: one defaults literal, `resolveOptions()` that checks every field with a message naming
 * it and returns a frozen config, and `fromEnv()` that reads the seed's environment variables.
 */
import { availableParallelism } from 'node:os'
import { VeloxOptionsError } from './errors.js'
import { type ResolvedSidecar, resolveSidecar, type SidecarOptions } from './telemetry/sidecar-options.js'
import type { UsageEvent } from './telemetry/usage-event.js'

export interface Logger {
  debug(obj: unknown, msg?: string): void
  info(obj: unknown, msg?: string): void
  warn(obj: unknown, msg?: string): void
  error(obj: unknown, msg?: string): void
}

export interface UpstreamOptions {
  /** Scheme, host and port of the provider, e.g. `https://api.openai.com`. */
  origin?: string
  /** Sent as `Authorization: Bearer <apiKey>`; the client's own credentials are never forwarded. */
  apiKey?: string
  /** Path on the upstream that the part after `prefix` is appended to. */
  basePath?: string
  /** Connections in the pool (the seed's VELOX_EGRESS_POOL_CONNECTIONS). */
  connections?: number
  /** Negotiate HTTP/2 over TLS (ALPN). Default: true for https origins. */
  http2?: boolean
  /** Extra headers sent upstream on every request (e.g. OpenAI-Organization). */
  headers?: Record<string, string>
  /** TLS settings for https origins (a private CA in tests, for example). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean; servername?: string }
  /** Where a request to the bare prefix goes (the seed's VELOX_UPSTREAM_REQUEST_PATH). */
  requestPath?: string
  /** Path fetched with GET to open connections before traffic (the seed's VELOX_UPSTREAM_WARMUP_PATH). */
  warmupPath?: string
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
}

export interface LimitOptions {
  /** Requests per minute per key (the seed's VELOX_RATE_LIMIT_RPM). */
  rpm?: number
  /** Bucket capacity (the seed's VELOX_RATE_LIMIT_BURST). */
  burst?: number
}

export interface VeloxOptions {
  upstream?: UpstreamOptions
  /** The path prefix Velox answers; every other path is left to the host app. */
  prefix?: string
  /** Largest request body accepted (413 above). */
  maxBodyBytes?: number
  timeouts?: TimeoutOptions
  limit?: LimitOptions
  /** Model names or globs (`gpt-4o*`) the gateway accepts; others get 404. Default: every model. */
  models?: string[]
  logger?: Logger
  /** The sidecar thread serving pprof and Prometheus metrics (docs/guide/observability.md). Default: none. */
  sidecar?: SidecarOptions | false
  /** Called once per finished request that reached an upstream, with its tokens (also `gateway.on('usage')`). */
  onUsage?: (event: UsageEvent) => void
}

export const DEFAULTS = {
  prefix: '/v1',
  maxBodyBytes: 32 * 1024 * 1024, // 32 MiB: room for base64 images, bounded for memory
  upstream: {
    origin: 'https://api.openai.com',
    basePath: '/v1',
    requestPath: '/v1/responses',
    warmupPath: '/v1/models',
  },
  timeouts: {
    connectMs: 10_000, // 10 s
    headersMs: 600_000, // 10 min: a long non-streamed completion sends headers only at the end (as the openai SDK's default)
    bodyIdleMs: 300_000, // 5 min: reasoning models can think long between stream events
    clientBodyMs: 30_000, // 30 s
  },
  limit: {
    rpm: 10_000, // the seed's default
    burst: 500, // the seed's default
  },
} as const

export interface ResolvedUpstream {
  readonly origin: string
  readonly apiKey: string | undefined
  readonly basePath: string
  readonly connections: number
  readonly http2: boolean
  readonly headers: Readonly<Record<string, string>>
  readonly tls: UpstreamOptions['tls']
  readonly requestPath: string
  readonly warmupPath: string
}

export interface ResolvedOptions {
  readonly upstream: ResolvedUpstream
  readonly prefix: string
  readonly maxBodyBytes: number
  readonly timeouts: Readonly<Required<TimeoutOptions>>
  readonly limit: Readonly<Required<LimitOptions>> | undefined
  readonly models: readonly RegExp[] | undefined
  readonly logger: Logger | undefined
  readonly sidecar: ResolvedSidecar | undefined
  readonly onUsage: ((event: UsageEvent) => void) | undefined
}

function fail(field: string, expected: string, value: unknown): never {
  throw new VeloxOptionsError(`${field} must be ${expected} (got ${JSON.stringify(value) ?? String(value)})`)
}

function integer(field: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    fail(field, min === 0 ? 'a non-negative integer' : `an integer >= ${min}`, value)
  }
  return value
}

function path(field: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback
  if (typeof value !== 'string' || !value.startsWith('/') || /[?#\s]/.test(value)) {
    fail(field, 'a path starting with "/" (no query, no spaces)', value)
  }
  return value.length > 1 && value.endsWith('/') ? value.slice(0, -1) : value
}

function resolveOrigin(value: unknown): string {
  if (value === undefined) return DEFAULTS.upstream.origin
  let url: URL
  try {
    url = new URL(String(value))
  } catch {
    fail('upstream.origin', 'an absolute http(s) URL', value)
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password) {
    fail('upstream.origin', 'an http(s) URL without credentials', value)
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    fail('upstream.origin', 'an origin only (put the path in upstream.basePath)', value)
  }
  return url.origin
}

/** Turns `gpt-4o*` into an anchored RegExp; `*` matches any run of characters. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')
  return new RegExp(`^${escaped}$`)
}

function resolveUpstream(input: unknown): ResolvedUpstream {
  if (input !== undefined && (typeof input !== 'object' || input === null))
    fail('upstream', 'an object', input)
  const u = (input ?? {}) as UpstreamOptions
  const origin = resolveOrigin(u.origin)
  if (u.apiKey !== undefined && (typeof u.apiKey !== 'string' || u.apiKey === '')) {
    throw new VeloxOptionsError('upstream.apiKey must be a non-empty string') // never echo a key
  }
  if (u.http2 !== undefined && typeof u.http2 !== 'boolean') fail('upstream.http2', 'a boolean', u.http2)
  const headers: Record<string, string> = {}
  if (u.headers !== undefined) {
    if (typeof u.headers !== 'object' || u.headers === null) fail('upstream.headers', 'an object', u.headers)
    for (const [name, value] of Object.entries(u.headers)) {
      if (typeof value !== 'string') fail(`upstream.headers.${name}`, 'a string', value)
      headers[name.toLowerCase()] = value
    }
  }
  return Object.freeze({
    origin,
    apiKey: u.apiKey,
    basePath: path('upstream.basePath', u.basePath, DEFAULTS.upstream.basePath),
    connections: integer('upstream.connections', u.connections, 1, availableParallelism()),
    http2: u.http2 ?? origin.startsWith('https:'),
    headers: Object.freeze(headers),
    tls: u.tls,
    requestPath: path('upstream.requestPath', u.requestPath, DEFAULTS.upstream.requestPath),
    warmupPath: path('upstream.warmupPath', u.warmupPath, DEFAULTS.upstream.warmupPath),
  })
}

/** Checks every field and fills in the defaults. Throws a VeloxOptionsError naming the field. */
export function resolveOptions(options: VeloxOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'an object', options)
  const t = options.timeouts ?? {}
  const d = DEFAULTS.timeouts
  const timeouts = Object.freeze({
    connectMs: integer('timeouts.connectMs', t.connectMs, 0, d.connectMs),
    headersMs: integer('timeouts.headersMs', t.headersMs, 0, d.headersMs),
    bodyIdleMs: integer('timeouts.bodyIdleMs', t.bodyIdleMs, 0, d.bodyIdleMs),
    clientBodyMs: integer('timeouts.clientBodyMs', t.clientBodyMs, 0, d.clientBodyMs),
  })
  let limit: ResolvedOptions['limit']
  if (options.limit !== undefined) {
    limit = Object.freeze({
      rpm: integer('limit.rpm', options.limit.rpm, 1, DEFAULTS.limit.rpm),
      burst: integer('limit.burst', options.limit.burst, 1, DEFAULTS.limit.burst),
    })
  }
  let models: RegExp[] | undefined
  if (options.models !== undefined) {
    if (!Array.isArray(options.models) || options.models.some((m) => typeof m !== 'string' || m === '')) {
      fail('models', 'an array of non-empty strings', options.models)
    }
    models = options.models.map(globToRegExp)
  }
  const logger = options.logger
  if (logger !== undefined && (typeof logger !== 'object' || typeof logger?.warn !== 'function')) {
    fail('logger', 'a pino-compatible logger (with debug, info, warn, error)', '[object]')
  }
  if (options.onUsage !== undefined && typeof options.onUsage !== 'function') {
    fail('onUsage', 'a function', typeof options.onUsage)
  }
  return Object.freeze({
    upstream: resolveUpstream(options.upstream),
    prefix: path('prefix', options.prefix, DEFAULTS.prefix),
    maxBodyBytes: integer('maxBodyBytes', options.maxBodyBytes, 1, DEFAULTS.maxBodyBytes),
    timeouts,
    limit,
    models: models && Object.freeze(models),
    logger,
    sidecar: resolveSidecar(options.sidecar),
    onUsage: options.onUsage,
  })
}

function envInteger(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name]
  if (raw === undefined || raw === '') return undefined
  const n = Number(raw)
  if (!Number.isInteger(n))
    throw new VeloxOptionsError(`${name} must be an integer (got ${JSON.stringify(raw)})`)
  return n
}

/**
 * Reads the seed's environment variables into options (unset variables keep the defaults).
 *
 * @example
 * const gateway = createGateway({ ...fromEnv(), prefix: '/v1' })
 */
export function fromEnv(env: NodeJS.ProcessEnv = process.env): VeloxOptions {
  const upstream: UpstreamOptions = {}
  if (env.VELOX_UPSTREAM_ORIGIN) upstream.origin = env.VELOX_UPSTREAM_ORIGIN
  if (env.VELOX_UPSTREAM_REQUEST_PATH) upstream.requestPath = env.VELOX_UPSTREAM_REQUEST_PATH
  if (env.VELOX_UPSTREAM_WARMUP_PATH) upstream.warmupPath = env.VELOX_UPSTREAM_WARMUP_PATH
  if (env.OPENAI_API_KEY) upstream.apiKey = env.OPENAI_API_KEY
  const connections = envInteger(env, 'VELOX_EGRESS_POOL_CONNECTIONS')
  if (connections !== undefined) upstream.connections = connections
  const options: VeloxOptions = { upstream }
  const rpm = envInteger(env, 'VELOX_RATE_LIMIT_RPM')
  const burst = envInteger(env, 'VELOX_RATE_LIMIT_BURST')
  if (rpm !== undefined || burst !== undefined) options.limit = { rpm, burst }
  return options
}

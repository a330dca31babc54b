/**
 * Options for the upstream providers: `upstream` (one) or `upstreams` (several, by name), each
 * with its origin, credentials and auth style, pool size, HTTP/2, warm-up and extra headers.
 */
import { availableParallelism } from 'node:os'
import { DEFAULTS } from '../config/defaults.js'
import { VeloxOptionsError } from '../errors.js'
import { API_FORMATS, type ApiFormat } from '../translate/formats.js'
import { boolean, fail, integer, object, origin, path } from '../validate.js'

/** How the upstream wants its key: `Authorization: Bearer` (OpenAI and most), `api-key` (Azure OpenAI), or `x-api-key` with `anthropic-version` (Anthropic). */
export type UpstreamAuth = 'bearer' | 'api-key' | 'anthropic'

export interface UpstreamOptions {
  /** A name routes refer to (default 'default'). */
  name?: string
  /** Scheme, host and port of the provider, e.g. `https://api.openai.com`. */
  origin?: string
  /** The provider key; the client's own credentials are never forwarded. */
  apiKey?: string
  /** How the key is sent (default 'bearer'). */
  auth?: UpstreamAuth
  /** The API the upstream speaks (default: 'anthropic' with `auth: 'anthropic'`, else 'openai'); requests in the other format are translated (docs/guide/providers.md). */
  format?: ApiFormat
  /** Path on the upstream that the part after `prefix` is appended to. */
  basePath?: string
  /** Connections in the pool (the Rust Velox gateway's VELOX_EGRESS_POOL_CONNECTIONS). */
  connections?: number
  /** Negotiate HTTP/2 over TLS (ALPN). Default: true for https origins. */
  http2?: boolean
  /** Share of traffic among equal candidates of a route (default 1). */
  weight?: number
  /** Open connections at start with a GET of `warmupPath`. Default: true for https origins, where handshakes cost. */
  warmup?: boolean
  /** Extra headers sent upstream on every request (e.g. OpenAI-Organization). */
  headers?: Record<string, string>
  /** TLS settings for https origins (a private CA in tests, for example). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean; servername?: string }
  /** Where a request to the bare prefix goes (the Rust Velox gateway's VELOX_UPSTREAM_REQUEST_PATH). */
  requestPath?: string
  /** Path fetched with GET to open connections before traffic (the Rust Velox gateway's VELOX_UPSTREAM_WARMUP_PATH). */
  warmupPath?: string
}

export interface ResolvedUpstream {
  readonly name: string
  readonly origin: string
  readonly apiKey: string | undefined
  readonly auth: UpstreamAuth
  readonly format: ApiFormat
  readonly basePath: string
  readonly connections: number
  readonly http2: boolean
  readonly weight: number
  readonly warmup: boolean
  readonly headers: Readonly<Record<string, string>>
  readonly tls: UpstreamOptions['tls']
  readonly requestPath: string
  readonly warmupPath: string
}

const AUTH_STYLES: readonly UpstreamAuth[] = ['bearer', 'api-key', 'anthropic']

function resolveUpstream(field: string, input: unknown): ResolvedUpstream {
  const u = object(field, input ?? {}) as UpstreamOptions
  const name = u.name ?? DEFAULTS.upstream.name
  if (typeof name !== 'string' || !/^[\w.-]{1,64}$/.test(name))
    fail(`${field}.name`, 'a name of letters, digits, . _ -', name)
  const resolvedOrigin = origin(`${field}.origin`, u.origin, DEFAULTS.upstream.origin)
  const https = resolvedOrigin.startsWith('https:')
  if (u.apiKey !== undefined && (typeof u.apiKey !== 'string' || u.apiKey === '')) {
    throw new VeloxOptionsError(`${field}.apiKey must be a non-empty string`) // never echo a key
  }
  const auth = u.auth ?? DEFAULTS.upstream.auth
  if (!AUTH_STYLES.includes(auth)) fail(`${field}.auth`, `one of ${AUTH_STYLES.join(', ')}`, auth)
  const format = u.format ?? (auth === 'anthropic' ? 'anthropic' : 'openai')
  if (!API_FORMATS.includes(format)) fail(`${field}.format`, `one of ${API_FORMATS.join(', ')}`, format)
  const headers: Record<string, string> = {}
  if (u.headers !== undefined) {
    for (const [header, value] of Object.entries(object(`${field}.headers`, u.headers))) {
      if (typeof value !== 'string') fail(`${field}.headers.${header}`, 'a string', value)
      headers[header.toLowerCase()] = value
    }
  }
  if (u.tls !== undefined) object(`${field}.tls`, u.tls)
  return Object.freeze({
    name,
    origin: resolvedOrigin,
    apiKey: u.apiKey,
    auth,
    format,
    basePath: path(`${field}.basePath`, u.basePath, DEFAULTS.upstream.basePath),
    connections: integer(`${field}.connections`, u.connections, 1, availableParallelism()),
    http2: boolean(`${field}.http2`, u.http2, https),
    weight: integer(`${field}.weight`, u.weight, 1, DEFAULTS.upstream.weight),
    warmup: boolean(`${field}.warmup`, u.warmup, https),
    headers: Object.freeze(headers),
    tls: u.tls,
    requestPath: path(`${field}.requestPath`, u.requestPath, DEFAULTS.upstream.requestPath),
    warmupPath: path(`${field}.warmupPath`, u.warmupPath, DEFAULTS.upstream.warmupPath),
  })
}

/** `upstream` (one) or `upstreams` (several): never both. The first is the default for requests without a model. */
export function resolveUpstreams(single: unknown, several: unknown): readonly ResolvedUpstream[] {
  if (single !== undefined && several !== undefined) {
    throw new VeloxOptionsError('upstream and upstreams cannot both be set: list every upstream in upstreams')
  }
  if (several === undefined) return Object.freeze([resolveUpstream('upstream', single)])
  if (!Array.isArray(several) || several.length === 0) fail('upstreams', 'a non-empty array', several)
  const resolved = several.map((u, i) => resolveUpstream(`upstreams[${i}]`, u))
  const seen = new Set<string>()
  resolved.forEach((u, i) => {
    if (seen.has(u.name)) fail(`upstreams[${i}].name`, 'unique', u.name)
    seen.add(u.name)
  })
  return Object.freeze(resolved)
}

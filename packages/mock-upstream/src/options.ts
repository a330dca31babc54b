import { MAX_DELAY_MS } from './delay.js'
import type { MockUpstreamOptions } from './types.js'

/** Defaults of every option; units in the comments. */
export const DEFAULTS = Object.freeze({
  port: 0, // 0 = a free port chosen by the OS
  host: '127.0.0.1',
  models: Object.freeze(['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small']),
  latencyMs: 0, // ms before response headers
  chunkDelayMs: 0, // ms between two SSE events
})

/** Options after defaults and checks. */
export interface ResolvedOptions {
  readonly port: number
  readonly host: string
  readonly tls: Readonly<{ key: string | Buffer; cert: string | Buffer }> | undefined
  readonly models: readonly string[]
  readonly latencyMs: number
  readonly chunkDelayMs: number
  readonly apiKey: string | undefined
}

function integerIn(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}`)
  }
  return value
}

function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`)
  return value
}

function pemLike(name: string, value: unknown): string | Buffer {
  if (typeof value === 'string' || Buffer.isBuffer(value)) return value
  throw new TypeError(`${name} must be a string or a Buffer`)
}

/** Applies the defaults and checks every field, naming the field in each error. */
export function resolveOptions(options: MockUpstreamOptions = {}): ResolvedOptions {
  const models = options.models ?? DEFAULTS.models
  if (!Array.isArray(models)) throw new TypeError('models must be an array of strings')
  for (const [index, model] of models.entries()) nonEmptyString(`models[${index}]`, model)
  const tls = options.tls
  return Object.freeze({
    port: integerIn('port', options.port ?? DEFAULTS.port, 0, 65_535),
    host: nonEmptyString('host', options.host ?? DEFAULTS.host),
    tls:
      tls === undefined
        ? undefined
        : Object.freeze({ key: pemLike('tls.key', tls.key), cert: pemLike('tls.cert', tls.cert) }),
    models: Object.freeze([...models]),
    latencyMs: integerIn('latencyMs', options.latencyMs ?? DEFAULTS.latencyMs, 0, MAX_DELAY_MS),
    chunkDelayMs: integerIn('chunkDelayMs', options.chunkDelayMs ?? DEFAULTS.chunkDelayMs, 0, MAX_DELAY_MS),
    apiKey: options.apiKey === undefined ? undefined : nonEmptyString('apiKey', options.apiKey),
  })
}

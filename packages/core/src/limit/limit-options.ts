/**
 * The `limit` option: its types, and `resolveLimit()`, which checks every field (errors name it),
 * fills in the defaults from `DEFAULTS.limit`, and turns the base limits and each override into a
 * policy with its bucket specs. `options.ts` calls it; it lives here to keep the limiter's option
 * surface next to the limiter.
 */
import type { IncomingMessage } from 'node:http'
import { VeloxOptionsError } from '../errors.js'
import { boolean, fail, globToRegExp, integer } from '../validate.js'
import { type BucketSpec, bucketSpec, MAX_TOKENS } from './token-bucket.js'

/** Limits for the requests matching `model` and/or `path`; unset limits are the base ones. */
export interface LimitOverride {
  /** A model name or glob (`gpt-4o*`). */
  model?: string
  /** A path after the prefix, or a glob (`/embeddings`, `/files*`). */
  path?: string
  rpm?: number
  burst?: number
  tpm?: number
  tokenBurst?: number
}

/** What `estimateTokens` is given. */
export interface TokenEstimateInput {
  method: string
  /** The path after the prefix: `/chat/completions`. */
  path: string
  model: string | undefined
  /** `max_tokens`, else `max_completion_tokens`, else `max_output_tokens`. */
  maxTokens: number | undefined
  /** The request body as forwarded (null for GET and DELETE). */
  body: Buffer | null
}

/** An ioredis client (its own options; the gateway never closes it) or what to create one from. */
export interface RedisStoreOptions {
  /** A `redis://` URL, ioredis options, or an ioredis client. */
  redis: string | Record<string, unknown>
  /** Prefix of every key the limiter writes. */
  prefix?: string
  /** Longest wait for one Redis call before it counts as an outage. */
  timeoutMs?: number
}

/** The in-process table, in a SharedArrayBuffer shared by worker_threads (`createLimitBuffer()`). */
export interface SharedStoreOptions {
  buffer: SharedArrayBuffer
}

export interface LimitOptions {
  /** Requests per minute per key (the Rust Velox gateway's VELOX_RATE_LIMIT_RPM). */
  rpm?: number
  /** Requests a key may make at once: the requests bucket's capacity (the Rust Velox gateway's VELOX_RATE_LIMIT_BURST). */
  burst?: number
  /** Tokens (prompt + completion) per minute per key; unset: no token limit. */
  tpm?: number
  /** The tokens bucket's capacity. Default: `tpm` (a minute's worth, as OpenAI counts). */
  tokenBurst?: number
  /**
   * The caller's key. Default: a hash of the client's API key (`Authorization: Bearer`, or
   * `x-api-key`), else the client's IP. Return an identifier, never a secret; undefined falls back
   * to the default.
   */
  key?: (req: IncomingMessage) => string | undefined
  /** Tokens to reserve for a request. Default: its max tokens plus its body bytes / 4. */
  estimateTokens?: (req: IncomingMessage, input: TokenEstimateInput) => number
  /** Limits for some models or paths, first match wins (each keeps its own buckets per key). */
  overrides?: LimitOverride[]
  /** Longest wait in the admission queue for a bucket to refill (0: answer 429 at once). */
  maxWaitMs?: number
  /** Requests that may wait at once (503 beyond). */
  queueDepth?: number
  /** Keys the in-process table holds before it reuses the slots of idle keys. */
  maxKeys?: number
  /** Where the buckets live: in this process (default), in a shared buffer, or in Redis. */
  store?: SharedStoreOptions | RedisStoreOptions
  /** When the store is unreachable: false admits (fail open, the default), true answers 503. */
  failClosed?: boolean
}

export interface LimitDefaults {
  readonly rpm: number
  readonly burst: number
  readonly maxWaitMs: number
  readonly queueDepth: number
  readonly maxKeys: number
  readonly failClosed: boolean
  readonly store: { readonly prefix: string; readonly timeoutMs: number }
}

/** One set of limits: the base (index 0) or an override. */
export interface LimitPolicy {
  readonly rpm: number
  readonly burst: number
  readonly tpm: number | undefined
  readonly tokenBurst: number | undefined
  readonly model: RegExp | undefined
  readonly path: RegExp | undefined
  readonly requests: BucketSpec
  readonly tokens: BucketSpec | undefined
}

export type ResolvedStore =
  | { readonly kind: 'memory'; readonly buffer: SharedArrayBuffer | undefined }
  | {
      readonly kind: 'redis'
      readonly redis: string | Record<string, unknown>
      readonly prefix: string
      readonly timeoutMs: number
    }

export interface ResolvedLimit {
  readonly rpm: number
  readonly burst: number
  readonly tpm: number | undefined
  readonly tokenBurst: number | undefined
  /** [0] is the base limits, then the overrides in order. */
  readonly policies: readonly LimitPolicy[]
  readonly key: LimitOptions['key']
  readonly estimateTokens: LimitOptions['estimateTokens']
  readonly maxWaitMs: number
  readonly queueDepth: number
  readonly maxKeys: number
  readonly failClosed: boolean
  readonly store: ResolvedStore
}

/** An integer >= min and <= max (the ceiling keeps buckets, slots and timers in range). */
function bounded(field: string, value: unknown, min: number, fallback: number, max = MAX_TOKENS): number {
  const n = integer(field, value, min, fallback)
  if (n > max) fail(field, `an integer <= ${max}`, n)
  return n
}

function optionalFunction<T>(field: string, value: unknown): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(field, 'a function', value)
  return value as T | undefined
}

function glob(field: string, value: unknown): RegExp | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '') {
    fail(field, 'a non-empty string (a name or a glob with *)', value)
  }
  return globToRegExp(value)
}

function policy(
  field: string,
  input: LimitOverride,
  base: { rpm: number; burst: number; tpm: number | undefined; tokenBurst: number | undefined },
  match: { model: RegExp | undefined; path: RegExp | undefined },
): LimitPolicy {
  const rpm = bounded(`${field}rpm`, input.rpm, 1, base.rpm)
  const burst = bounded(`${field}burst`, input.burst, 1, base.burst)
  const tpm = input.tpm === undefined ? base.tpm : bounded(`${field}tpm`, input.tpm, 1, 0)
  if (input.tokenBurst !== undefined && tpm === undefined) {
    fail(`${field}tokenBurst`, 'set together with a tpm', input.tokenBurst)
  }
  const tokenBurst =
    tpm === undefined
      ? undefined
      : bounded(
          `${field}tokenBurst`,
          input.tokenBurst,
          1,
          input.tpm === undefined ? (base.tokenBurst ?? tpm) : tpm,
        )
  return Object.freeze({
    rpm,
    burst,
    tpm,
    tokenBurst,
    model: match.model,
    path: match.path,
    requests: bucketSpec(rpm, burst),
    tokens: tpm === undefined ? undefined : bucketSpec(tpm, tokenBurst!),
  })
}

function resolveStore(value: unknown, defaults: LimitDefaults['store']): ResolvedStore {
  if (value === undefined) return Object.freeze({ kind: 'memory', buffer: undefined })
  if (typeof value !== 'object' || value === null)
    fail('limit.store', 'an object ({ buffer } or { redis })', value)
  const store = value as Partial<SharedStoreOptions & RedisStoreOptions>
  if (store.buffer !== undefined) {
    if (!(store.buffer instanceof SharedArrayBuffer)) {
      fail('limit.store.buffer', 'a SharedArrayBuffer from createLimitBuffer()', '[object]')
    }
    return Object.freeze({ kind: 'memory', buffer: store.buffer })
  }
  const redis = store.redis
  const isUrl = typeof redis === 'string' && /^rediss?:\/\//.test(redis)
  if (!isUrl && (typeof redis !== 'object' || redis === null)) {
    // Never echo the value: a redis:// URL may carry a password.
    throw new VeloxOptionsError(
      'limit.store must be { buffer } or { redis }, with redis a redis:// URL, ioredis options, or an ioredis client',
    )
  }
  const prefix = store.prefix ?? defaults.prefix
  if (typeof prefix !== 'string') fail('limit.store.prefix', 'a string', prefix)
  return Object.freeze({
    kind: 'redis',
    redis: redis as string | Record<string, unknown>,
    prefix,
    timeoutMs: bounded('limit.store.timeoutMs', store.timeoutMs, 1, defaults.timeoutMs, 60_000),
  })
}

/**
 * Checks `limit` and fills in the defaults. `undefined` and `false` turn limiting off; `true` turns
 * it on with the defaults.
 *
 * @example
 * resolveLimit({ rpm: 600, overrides: [{ model: 'gpt-4o*', tpm: 30_000 }] }, DEFAULTS.limit)
 */
export function resolveLimit(input: unknown, defaults: LimitDefaults): ResolvedLimit | undefined {
  if (input === undefined || input === false) return undefined
  if (input !== true && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    fail('limit', 'an object, true, or false', input)
  }
  const o = (input === true ? {} : input) as LimitOptions
  const base = policy(
    'limit.',
    o,
    { rpm: defaults.rpm, burst: defaults.burst, tpm: undefined, tokenBurst: undefined },
    {
      model: undefined,
      path: undefined,
    },
  )
  const policies: LimitPolicy[] = [base]
  if (o.overrides !== undefined) {
    if (!Array.isArray(o.overrides)) fail('limit.overrides', 'an array', o.overrides)
    o.overrides.forEach((override, i) => {
      const field = `limit.overrides[${i}].`
      if (typeof override !== 'object' || override === null)
        fail(`limit.overrides[${i}]`, 'an object', override)
      const match = {
        model: glob(`${field}model`, override.model),
        path: glob(`${field}path`, override.path),
      }
      if (match.model === undefined && match.path === undefined) {
        fail(`limit.overrides[${i}]`, 'an object with a model or a path to match', override)
      }
      policies.push(policy(field, override, base, match))
    })
  }
  return Object.freeze({
    rpm: base.rpm,
    burst: base.burst,
    tpm: base.tpm,
    tokenBurst: base.tokenBurst,
    policies: Object.freeze(policies),
    key: optionalFunction<LimitOptions['key']>('limit.key', o.key),
    estimateTokens: optionalFunction<LimitOptions['estimateTokens']>(
      'limit.estimateTokens',
      o.estimateTokens,
    ),
    maxWaitMs: bounded('limit.maxWaitMs', o.maxWaitMs, 0, defaults.maxWaitMs, 3_600_000),
    queueDepth: bounded('limit.queueDepth', o.queueDepth, 1, defaults.queueDepth, 2 ** 20),
    maxKeys: bounded('limit.maxKeys', o.maxKeys, 1, defaults.maxKeys, 2 ** 24),
    failClosed: boolean('limit.failClosed', o.failClosed, defaults.failClosed),
    store: resolveStore(o.store, defaults.store),
  })
}

/**
 * The `cache` option (opt-in): replay a stored answer to a request whose upstream, path, exact
 * body bytes and caller scope are the same as an earlier one's. Off unless given. `models` limits
 * it to some routes (model globs); `when: 'header'` to the requests that ask for it with
 * `x-velox-cache: use`. The scope is the caller's limit key by default, so one tenant's answer
 * never reaches another; a scope function can widen it (a team) or narrow it (a user).
 */
import type { IncomingMessage } from 'node:http'
import { DEFAULTS } from '../config/defaults.js'
import { fail, globToRegExp, integer, object } from '../validate.js'

export interface CacheRedisOptions {
  redis: string | Record<string, unknown>
  prefix?: string
  timeoutMs?: number
}

export interface CacheOptions {
  /** How long an answer is replayed. */
  ttlMs: number
  /** Bytes the in-process store holds (least recently used answers go first). */
  maxBytes?: number
  /** Largest single answer stored. Default: maxBytes / 8. */
  maxEntryBytes?: number
  /** In this process (default) or in Redis, shared by a fleet. */
  store?: 'memory' | CacheRedisOptions
  /** Who may see whose answers. Default: the caller's limit key (hash of its API key, else its IP). */
  scope?: (req: IncomingMessage) => string | undefined
  /** Model names or globs whose requests are cached. Default: every model. */
  models?: string[]
  /** 'always' (default), or only for requests sending `x-velox-cache: use`. */
  when?: 'always' | 'header'
}

export interface ResolvedCache {
  readonly ttlMs: number
  readonly maxBytes: number
  readonly maxEntryBytes: number
  readonly store:
    | { kind: 'memory' }
    | { kind: 'redis'; redis: string | Record<string, unknown>; prefix: string; timeoutMs: number }
  readonly scope: ((req: IncomingMessage) => string | undefined) | undefined
  readonly models: readonly RegExp[] | undefined
  readonly when: 'always' | 'header'
}

const D = DEFAULTS.cache

const KNOWN = ['ttlMs', 'maxBytes', 'maxEntryBytes', 'store', 'scope', 'models', 'when']

/**
 * Checks `cache` (errors name the field) and fills in the defaults.
 *
 * @example
 * resolveCache({ ttlMs: 60_000, models: ['gpt-4o-mini'] })
 */
export function resolveCache(input: unknown): ResolvedCache | undefined {
  if (input === undefined || input === false) return undefined
  const c = object('cache', input)
  for (const k of Object.keys(c)) if (!KNOWN.includes(k)) fail(`cache.${k}`, `one of ${KNOWN.join(', ')}`, k)
  if (c.ttlMs === undefined) fail('cache.ttlMs', 'an integer >= 1 (milliseconds)', c.ttlMs)
  const ttlMs = integer('cache.ttlMs', c.ttlMs, 1, 0)
  const maxBytes = integer('cache.maxBytes', c.maxBytes, 1, D.maxBytes)
  const maxEntryBytes = integer(
    'cache.maxEntryBytes',
    c.maxEntryBytes,
    1,
    Math.max(1, Math.floor(maxBytes / 8)),
  )
  if (maxEntryBytes > maxBytes)
    fail('cache.maxEntryBytes', `at most cache.maxBytes (${maxBytes})`, maxEntryBytes)
  if (c.scope !== undefined && typeof c.scope !== 'function') fail('cache.scope', 'a function', c.scope)
  if (c.when !== undefined && c.when !== 'always' && c.when !== 'header') {
    fail('cache.when', "'always' or 'header'", c.when)
  }
  let models: RegExp[] | undefined
  if (c.models !== undefined) {
    if (!Array.isArray(c.models)) fail('cache.models', 'an array of model names or globs', c.models)
    models = c.models.map((m, i) => {
      if (typeof m !== 'string' || m === '') fail(`cache.models[${i}]`, 'a non-empty string', m)
      return globToRegExp(m)
    })
  }
  return Object.freeze({
    ttlMs,
    maxBytes,
    maxEntryBytes,
    store: resolveStore(c.store),
    scope: c.scope as ResolvedCache['scope'],
    models: models === undefined ? undefined : Object.freeze(models),
    when: (c.when as 'always' | 'header' | undefined) ?? D.when,
  })
}

function resolveStore(value: unknown): ResolvedCache['store'] {
  if (value === undefined || value === 'memory') return { kind: 'memory' }
  const s = object('cache.store', value)
  if (typeof s.redis !== 'string' && (typeof s.redis !== 'object' || s.redis === null)) {
    fail('cache.store', "'memory' or { redis }", value)
  }
  if (s.prefix !== undefined && typeof s.prefix !== 'string') fail('cache.store.prefix', 'a string', s.prefix)
  return {
    kind: 'redis',
    redis: s.redis as string | Record<string, unknown>,
    prefix: (s.prefix as string | undefined) ?? D.store.prefix,
    timeoutMs: integer('cache.store.timeoutMs', s.timeoutMs, 1, D.store.timeoutMs),
  }
}

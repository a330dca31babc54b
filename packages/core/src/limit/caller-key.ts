/**
 * Who a request counts against. By default the caller's API key, else its IP. A raw API key is a
 * secret: it is hashed (SHA-256, first 16 bytes in hex) before it is used as a key anywhere (the
 * bucket table, Redis, exchange records, logs), so a key never leaves the request it came in.
 *
 * Hashing costs about 1 us; callers reuse one key for many requests, so the hashes of recent keys
 * are kept in a bounded map (cleared whole when full: no per-entry bookkeeping on the hot path).
 */
import { createHash } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** Distinct API keys whose hash is remembered. */
const CACHE_SIZE = 4_096
/** A key from `limit.key` longer than this is hashed too, so Redis keys stay short. */
const MAX_PLAIN_KEY = 128

/** Per prefix: secret -> prefix + hash, one flat string per caller, reused across its requests. */
const cache = { 'key:': new Map<string, string>(), 'hash:': new Map<string, string>() }

/**
 * `prefix` + the SHA-256 of `secret`, first 16 bytes as hex (128 bits: collision-free for any
 * number of callers).
 *
 * @example
 * hashedKey('key:', 'sk-abc') // 'key:' + 32 hex digits
 */
export function hashedKey(prefix: keyof typeof cache, secret: string): string {
  const hashed = cache[prefix]
  let key = hashed.get(secret)
  if (key === undefined) {
    key = prefix + createHash('sha256').update(secret).digest('hex').slice(0, 32)
    if (hashed.size >= CACHE_SIZE) hashed.clear()
    hashed.set(secret, key)
  }
  return key
}

/** The client's API key: `Authorization: Bearer <key>`, else `x-api-key`. */
function apiKey(req: IncomingMessage): string | undefined {
  const auth = req.headers.authorization
  if (auth !== undefined && auth.length > 7 && auth.slice(0, 7).toLowerCase() === 'bearer ') {
    const token = auth.slice(7).trim()
    if (token !== '') return token
  }
  const header = req.headers['x-api-key']
  const value = Array.isArray(header) ? header[0] : header
  return value === undefined || value === '' ? undefined : value
}

/**
 * The default key: `key:<hash of the API key>`, else `ip:<client address>`.
 *
 * @example
 * defaultKey(req) // 'key:9f86d081884c7d659a2feaa0c55ad015' or 'ip:127.0.0.1'
 */
export function defaultKey(req: IncomingMessage): string {
  const secret = apiKey(req)
  if (secret !== undefined) return hashedKey('key:', secret)
  return `ip:${req.socket?.remoteAddress ?? 'unknown'}`
}

/** The key for `req`: `custom(req)` when it gives one, else the default. */
export function callerKey(
  req: IncomingMessage,
  custom: ((req: IncomingMessage) => string | undefined) | undefined,
): string {
  if (custom !== undefined) {
    const key = custom(req)
    if (typeof key === 'string' && key !== '') {
      return key.length > MAX_PLAIN_KEY ? hashedKey('hash:', key) : key
    }
  }
  return defaultKey(req)
}

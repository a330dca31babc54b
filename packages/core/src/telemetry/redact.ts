/**
 * Credentials never reach a log line Velox writes. Every call on the gateway's logger goes through
 * `redactingLogger`, which replaces the values of credential fields (Authorization, X-Api-Key,
 * Api-Key, Cookie, tokens...), bearer and `sk-` keys inside strings, and the exact secrets the
 * gateway was configured with (the upstream key, the sidecar token) wherever they appear.
 * It runs only when something is logged, never on the request path.
 */
import type { Logger } from '../options.js'

export const REDACTED = '[REDACTED]'

/** Header and field names whose values are credentials (compared lowercased). */
const SECRET_FIELDS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'apikey',
  'api_key',
  'cookie',
  'set-cookie',
  'token',
  'access_token',
  'password',
  'secret',
])

const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi
const PROVIDER_KEY = /\bsk-[A-Za-z0-9_-]{8,}/g
const MAX_DEPTH = 6

/**
 * A copy of `headers` with credential values replaced by "[REDACTED]".
 *
 * @example
 * logger.info({ headers: redactHeaders(req.headers) }, 'request')
 */
export function redactHeaders<T extends Record<string, unknown>>(headers: T): T {
  const out: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_FIELDS.has(name.toLowerCase()) ? REDACTED : value
  }
  return out as T
}

/**
 * `text` with bearer tokens, `sk-` keys and each of `secrets` replaced by "[REDACTED]".
 *
 * @example
 * redactText('401 for Bearer sk-abc12345678', []) // '401 for Bearer [REDACTED]'
 */
export function redactText(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join(REDACTED)
  return text.replace(BEARER, `$1 ${REDACTED}`).replace(PROVIDER_KEY, REDACTED)
}

/** A deep copy of a log object with every credential replaced (plain objects, arrays, errors). */
export function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redactText(value, secrets)
  if (typeof value !== 'object' || value === null) return value
  if (depth >= MAX_DEPTH) return '[Object]'
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code
    return {
      type: value.name,
      message: redactText(value.message, secrets),
      stack: value.stack === undefined ? undefined : redactText(value.stack, secrets),
      ...(code !== undefined && { code }),
    }
  }
  if (ArrayBuffer.isView(value)) return `[${value.constructor.name} ${value.byteLength} bytes]`
  if (Array.isArray(value)) return value.map((v) => redactValue(v, secrets, depth + 1))
  const proto = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return `[${proto?.constructor?.name ?? 'Object'}]`
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    out[key] = SECRET_FIELDS.has(key.toLowerCase()) ? REDACTED : redactValue(v, secrets, depth + 1)
  }
  return out
}

/**
 * Wraps a pino-compatible logger so that nothing it is given carries a credential.
 *
 * @example
 * const logger = redactingLogger(pino(), [options.upstream.apiKey])
 * logger.warn({ headers: req.headers }, 'odd request') // authorization: '[REDACTED]'
 */
export function redactingLogger(logger: Logger, secrets: ReadonlyArray<string | undefined>): Logger {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4)
  const wrap =
    (level: keyof Logger) =>
    (obj: unknown, msg?: string): void => {
      const safe = redactValue(obj, known)
      if (msg === undefined) logger[level](safe)
      else logger[level](safe, redactText(msg, known))
    }
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') }
}

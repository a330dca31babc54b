/**
 * Which headers cross the gateway. Going up: the client's credentials, cookies, hop-by-hop
 * headers (RFC 9110 7.6.1) and the client's network identity stay behind; the upstream key and the
 * configured headers are added. Coming down: hop-by-hop headers, and what would leak the upstream
 * account (its organization and project) or set its cookies on the host app's domain, stay behind.
 */
import type { IncomingHttpHeaders } from 'node:http'

/** Hop-by-hop headers (RFC 9110 7.6.1): they describe one connection, never the next one. */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]

const NOT_FORWARDED_UP = new Set([
  ...HOP_BY_HOP,
  'http2-settings',
  'expect',
  // recomputed for the upstream
  'host',
  'content-length',
  'accept-encoding',
  // the client's credentials and session: never the upstream's business
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-api-key',
  'api-key',
  'openai-organization',
  'openai-project',
  // the end user's address: not sent to a third party by default
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
])

const NOT_FORWARDED_DOWN = new Set([
  ...HOP_BY_HOP,
  'proxy-authenticate',
  'alt-svc',
  'set-cookie',
  'openai-organization',
  'openai-project',
])

/** Names listed in a Connection header are hop-by-hop too. */
function connectionTokens(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined
  // One token (nearly always keep-alive or close): no list, no Set (a per-request cost in profiles).
  if (!value.includes(',')) {
    const token = value.trim().toLowerCase()
    return token === '' || token === 'close' || token === 'keep-alive' ? undefined : new Set([token])
  }
  const tokens = value
    .toLowerCase()
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t && t !== 'close' && t !== 'keep-alive')
  return tokens.length === 0 ? undefined : new Set(tokens)
}

/**
 * The flat `[name, value, ...]` header list sent upstream. `extra` are pre-lowercased pairs
 * (authorization, configured headers) that replace any client header of the same name.
 */
export function upstreamRequestHeaders(
  incoming: IncomingHttpHeaders,
  extra: readonly string[],
  extraNames: ReadonlySet<string>,
  bodyDecoded = false,
): string[] {
  const out: string[] = []
  const alsoDrop = connectionTokens(incoming.connection)
  for (const name in incoming) {
    if (NOT_FORWARDED_UP.has(name) || name.charCodeAt(0) === 0x3a /* ':' pseudo-header (HTTP/2) */) continue
    if (alsoDrop?.has(name)) continue
    if (extraNames.has(name)) continue
    if (bodyDecoded && name === 'content-encoding') continue
    const value = incoming[name]
    if (value === undefined) continue
    if (typeof value === 'string') out.push(name, value)
    else for (const v of value) out.push(name, v)
  }
  for (let i = 0; i < extra.length; i++) out.push(extra[i]!)
  out.push('accept-encoding', 'identity') // usage accounting reads plain bytes; SSE flushes per event
  return out
}

/** Appends each `defaults` pair whose name the flat list `headers` lacks (names are lowercase). */
export function addDefaultHeaders(headers: string[], defaults: readonly string[]): string[] {
  for (let i = 0; i < defaults.length; i += 2) {
    let present = false
    for (let j = 0; j < headers.length && !present; j += 2) present = headers[j] === defaults[i]
    if (!present) headers.push(defaults[i]!, defaults[i + 1]!)
  }
  return headers
}

export interface ClientResponseHeaders {
  /** The flat `[name, value, ...]` list for the client. */
  headers: string[]
  eventStream: boolean
  /** The upstream's Retry-After and retry-after-ms values, for the retry policy. */
  retryAfter: string | undefined
  retryAfterMs: string | undefined
}

/** The headers for the client, from undici's raw `[name, value, ...]` Buffers. */
export function clientResponseHeaders(raw: Buffer[]): ClientResponseHeaders {
  const headers: string[] = []
  let eventStream = false
  let retryAfter: string | undefined
  let retryAfterMs: string | undefined
  let alsoDrop: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase()
    if (name === 'connection') alsoDrop = connectionTokens(raw[i + 1]!.toString('latin1'))
  }
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase()
    if (NOT_FORWARDED_DOWN.has(name) || alsoDrop?.has(name)) continue
    const value = raw[i + 1]!.toString('latin1')
    if (name === 'content-type' && value.startsWith('text/event-stream')) eventStream = true
    else if (name === 'retry-after') retryAfter = value
    else if (name === 'retry-after-ms') retryAfterMs = value
    headers.push(name, value)
  }
  return { headers, eventStream, retryAfter, retryAfterMs }
}

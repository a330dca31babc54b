/**
 * The cache key: SHA-256 over the upstream, the path, whether the answer streams, the caller's
 * scope and the exact body bytes, each length-prefixed so no two different tuples hash the same
 * input. The body is hashed as bytes (never re-serialized): two requests hit the same entry only
 * when the upstream would have seen the same bytes. The scope is in the key, so answers never
 * cross tenants: a different scope is a different key, not a check that could be forgotten.
 */
import { createHash } from 'node:crypto'

export interface CacheKeyInput {
  /** The upstream's name (or origin). */
  upstream: string
  /** The path sent upstream. */
  path: string
  /** The request asked for a stream: an SSE answer is never replayed to a JSON request. */
  stream: boolean
  scope: string
  body: Buffer
}

function part(hash: ReturnType<typeof createHash>, text: string): void {
  hash.update(`${Buffer.byteLength(text)}:`)
  hash.update(text)
}

/**
 * The entry's key, 64 hex digits.
 *
 * @example
 * cacheKey({ upstream: 'openai', path: '/v1/chat/completions', stream: false, scope: 'k:1f..', body })
 */
export function cacheKey(input: CacheKeyInput): string {
  const hash = createHash('sha256')
  part(hash, input.upstream)
  part(hash, input.path)
  part(hash, input.stream ? 'sse' : 'json')
  part(hash, input.scope)
  hash.update(`${input.body.length}:`)
  hash.update(input.body)
  return hash.digest('hex')
}

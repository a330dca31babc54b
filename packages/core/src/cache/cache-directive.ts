/**
 * What a request says about the cache: `cache-control: no-cache` or `no-store` from the client
 * bypasses it (no read, no write: RFC 9111 5.2.1.4 and 5.2.1.5 ask a cache not to answer from
 * storage, and not to store, respectively; doing neither keeps it simple to reason about), and
 * with `when: 'header'` only requests sending `x-velox-cache: use` use it.
 */
import type { IncomingHttpHeaders } from 'node:http'

export type CacheDirective = 'use' | 'bypass'

/**
 * @example
 * cacheDirective({ 'cache-control': 'no-cache' }, 'always') // 'bypass'
 */
export function cacheDirective(headers: IncomingHttpHeaders, when: 'always' | 'header'): CacheDirective {
  const control = headers['cache-control']
  if (control !== undefined && /(?:^|[,\s])no-(?:cache|store)(?:$|[,\s=])/i.test(control)) return 'bypass'
  if (when === 'header') {
    const ask = headers['x-velox-cache']
    return typeof ask === 'string' && ask.trim().toLowerCase() === 'use' ? 'use' : 'bypass'
  }
  return 'use'
}

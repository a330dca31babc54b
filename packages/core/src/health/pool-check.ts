/**
 * The request an active health check sends: a GET of the upstream's warm-up path (or the
 * configured check path) through the upstream's own undici pool, with its credentials, the body
 * read and dropped so the connection stays reusable. Resolves to the status; rejects on a
 * transport failure or when the check's timeout aborts it.
 */
import type { Dispatcher } from 'undici'
import type { CheckRequest } from './active-check.js'

/** What a check needs of one upstream. */
export interface CheckTarget {
  readonly pool: Dispatcher
  /** The path to GET. */
  readonly path: string
  /** The upstream's injected headers as `[name, value, ...]` (its credentials). */
  readonly headers: readonly string[]
}

/**
 * A CheckRequest over the upstreams' pools.
 *
 * @example
 * new ActiveChecker({ monitor, options, request: poolCheck((name) => targets.get(name)) })
 */
export function poolCheck(targetOf: (upstream: string) => CheckTarget | undefined): CheckRequest {
  return async (upstream, signal) => {
    const target = targetOf(upstream)
    if (target === undefined) throw new Error(`no upstream named ${upstream}`)
    const { statusCode, body } = await target.pool.request({
      method: 'GET',
      path: target.path,
      headers: [...target.headers],
      signal,
    })
    await body.dump()
    return statusCode
  }
}

/**
 * Answers a request from the cache: the stored status (200), content type and bytes, with
 * `x-velox-cache: hit`. JSON goes out in one write with its length; a stream goes out event by
 * event, the same bytes in the same events as the upstream sent them.
 */
import type { ServerResponse } from 'node:http'
import type { CachedReply } from './cached-reply.js'

/** The `x-velox-cache` header: on every answer of a cached route. */
export const CACHE_HEADER = 'x-velox-cache'
export type CacheOutcome = 'hit' | 'miss' | 'bypass'

/**
 * Writes `reply` to `res`, with `headers` added (rate-limit headers, for example).
 *
 * @example
 * replay(res, entry, { 'x-request-id': id })
 */
export function replay(res: ServerResponse, reply: CachedReply, headers: Record<string, string> = {}): void {
  res.statusCode = 200
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
  res.setHeader('content-type', reply.contentType)
  res.setHeader(CACHE_HEADER, 'hit')
  if (reply.kind === 'json') {
    res.setHeader('content-length', reply.body.length)
    res.end(reply.body)
    return
  }
  res.setHeader('cache-control', 'no-cache')
  // One write per event (the same events as the upstream sent). Not corked: with res.cork() here,
  // clients on Node 22 and 24 received only the first event (test/cost/gateway-cache.test.ts,
  // which .ci/run runs on every Node line, caught it).
  let start = 0
  for (const end of reply.eventEnds) {
    res.write(reply.body.subarray(start, end))
    start = end
  }
  res.end()
}

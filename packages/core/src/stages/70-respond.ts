/**
 * Stage 9, respond: writes the gateway's own answer, an OpenAI-style error with its status and
 * headers (http/write-error.ts), when a stage failed the exchange. A proxied response needs nothing
 * more here: the egress stage streamed it to the client through the client writer
 * (http/client-writer.ts) as it arrived; a client that left gets nothing.
 */
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import { writeError } from '../http/write-error.js'

export function respond(ex: Exchange): StageResult {
  const error = ex.error
  if (error === undefined || ex.clientGone) return NEXT
  // On a cached route every answer says what the cache did, the gateway's own errors too.
  if (ex.cacheOutcome !== undefined) ex.headers = { ...ex.headers, 'x-velox-cache': ex.cacheOutcome }
  writeError(ex.res, error, ex)
  return NEXT
}

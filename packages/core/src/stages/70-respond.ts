/**
 * Stage 10, respond: writes the gateway's own answer, an error with its status and headers
 * (http/write-error.ts), when a stage failed the exchange: in the OpenAI shape, or in Anthropic's
 * (`{"type":"error","error":{"type","message"}}`) for a client of `/messages`, so each client reads
 * the gateway's errors as it reads its provider's. A proxied response needs nothing more here: the
 * egress stage streamed it to the client through the client writer (http/client-writer.ts) as it
 * arrived; a client that left gets nothing.
 */
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import { writeError } from '../http/write-error.js'
import { veloxErrorToAnthropic } from '../translate/error-map.js'
import { formatOf, requestKind } from '../translate/formats.js'

export function respond(ex: Exchange): StageResult {
  const error = ex.error
  if (error === undefined || ex.clientGone) return NEXT
  // On a cached route every answer says what the cache did, the gateway's own errors too.
  if (ex.cacheOutcome !== undefined) ex.headers = { ...ex.headers, 'x-velox-cache': ex.cacheOutcome }
  const kind = ex.kind ?? requestKind(ex.path)
  if (kind === undefined || formatOf(kind) === 'openai') writeError(ex.res, error, ex)
  else {
    const { closeConnection, headers } = ex
    writeError(ex.res, error, { closeConnection, headers, errorBody: veloxErrorToAnthropic(error).body })
  }
  return NEXT
}

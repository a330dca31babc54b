/**
 * Stage 8, translate: when the client's format (a chat completion is OpenAI's, a Messages
 * request Anthropic's) differs from the format of one of the route's candidates, maps the request
 * into the other format once, here, so that the gateway refuses what it knows cannot be sent
 * (a 400 naming the field) before anything reaches an upstream. The egress stage then sends each
 * attempt in its candidate's format: the original bytes to a candidate that speaks the client's,
 * the mapped request to one that does not, and maps that attempt's response back
 * (translate/response-translation.ts). When every candidate speaks the client's format (the
 * common case) this costs one path check and the bytes pass through untouched.
 */
import { VeloxError } from '../errors.js'
import { type Exchange, NEXT, type StageResult } from '../exchange/exchange.js'
import { formatOf, requestKind } from '../translate/formats.js'
import type { TranslateOptions } from '../translate/translate-options.js'
import { translateRequest } from '../translate/translate-request.js'

export interface TranslateContext {
  readonly options: { readonly translate: TranslateOptions }
}

export function translate(ctx: TranslateContext, ex: Exchange): StageResult {
  if (ex.method !== 'POST' || ex.body === null) return NEXT
  const kind = requestKind(ex.path)
  if (kind === undefined) return NEXT
  ex.kind = kind
  const own = formatOf(kind)
  const candidates = ex.candidates
  if (candidates.every((c) => c.upstream.config.format === own)) return NEXT
  try {
    ex.translated = translateRequest(ex.body, kind, ctx.options.translate)
  } catch (error) {
    if (!(error instanceof VeloxError)) throw error
    // Candidates that speak the client's format can still take the request as it is.
    const same = candidates.filter((c) => c.upstream.config.format === own)
    if (same.length === 0) ex.fail(error)
    else ex.candidates = same
  }
  return NEXT
}

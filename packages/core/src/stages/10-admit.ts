/**
 * Stage 1, admit: counts the request in and decides, from the method, the path and the headers
 * alone, whether it can go on (503 while closing, 400 for a path that could escape the upstream's
 * base path, 405, 415 for a body the gateway cannot read). GET /v1/models is answered here when
 * the gateway lists the models itself; a request without a body skips read and extract.
 */

import { VeloxError } from '../errors.js'
import type { RequestCounters } from '../exchange/counters.js'
import { type Exchange, NEXT, STAGE, type StageResult, WAIT } from '../exchange/exchange.js'
import {
  ALLOW_HEADER,
  ALLOWED_METHODS,
  isJsonContentType,
  isSafePath,
  MODEL_REQUIRED,
} from '../http/endpoints.js'
import { answerModels, type ModelsHost } from '../route/models-endpoint.js'

export interface AdmitContext extends ModelsHost {
  readonly closing: boolean
  readonly counters: RequestCounters
  readonly options: ModelsHost['options'] & { readonly prefix: string }
}

const ALLOW = Object.freeze({ allow: ALLOW_HEADER })

export function admit(ctx: AdmitContext, ex: Exchange): StageResult {
  const counters = ctx.counters
  counters.total++
  counters.active++
  const url = ex.req.url ?? '/'
  const query = url.indexOf('?')
  const pathname = query === -1 ? url : url.slice(0, query)
  const rest = pathname.slice(ctx.options.prefix.length)
  const method = ex.method
  ex.path = rest
  if (ctx.closing) return refuse(ex, new VeloxError('VELOX_ERR_SHUTTING_DOWN'))
  if (!isSafePath(rest)) return refuse(ex, new VeloxError('VELOX_ERR_INVALID_PATH'))
  if (!ALLOWED_METHODS.has(method)) {
    ex.fail(new VeloxError('VELOX_ERR_METHOD_NOT_ALLOWED'), ALLOW)
    return NEXT
  }
  ex.pathAndQuery = rest === '/' ? '' : rest + (query === -1 ? '' : url.slice(query))

  if (method !== 'POST') {
    if (method === 'GET' && rest === '/models' && ctx.options.modelsEndpoint !== 'proxy') {
      answerModels(ctx, ex)
      return WAIT
    }
    ex.stage = STAGE.route // no body: nothing to read or extract
    return NEXT
  }

  const headers = ex.req.headers
  const body = ex.preParsed
  ex.needsModel = MODEL_REQUIRED.has(rest)
  ex.json = isJsonContentType(headers['content-type'])
  if (ex.needsModel && !ex.json && body === undefined) {
    ex.fail(new VeloxError('VELOX_ERR_UNSUPPORTED_MEDIA_TYPE'), undefined, true)
    return NEXT
  }
  const encoding = headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity' && body === undefined) {
    const message = `Content-Encoding '${encoding.slice(0, 40)}' is not supported: send the body uncompressed`
    ex.fail(new VeloxError('VELOX_ERR_UNSUPPORTED_MEDIA_TYPE', message), undefined, true)
  }
  return NEXT
}

function refuse(ex: Exchange, error: VeloxError): StageResult {
  ex.fail(error)
  return NEXT
}

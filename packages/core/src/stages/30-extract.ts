/**
 * Stage 3, extract: the fields the gateway relies on (model, stream, max tokens, the model token's
 * byte range) from one scan of the JSON body, without a full parse (json/; from 512 bytes with a
 * WebAssembly SIMD first pass over the pooled slab where it lies, json/simd/), then checks them (400
 * for a body that is not a JSON object or has a field of the wrong type, 400 without a model, 404
 * for a model outside `models`). A large body is scanned on the offload worker (offload/), and the
 * exchange resumes when it answers. A body that is not JSON passes as it is.
 */

import { VeloxError } from '../errors.js'
import { type Exchange, NEXT, type StageResult, WAIT } from '../exchange/exchange.js'
import { type ExtractedFields, extractFields } from '../json/extract-fields.js'
import { type FieldParser, syntaxErrorDetail } from '../json/field-parser.js'
import type { OffloadScanner } from '../offload/offload-scanner.js'
import { modelNotFound } from '../route/model-not-found.js'
import type { Router } from '../route/router.js'

export interface ExtractContext {
  readonly options: { readonly models: readonly RegExp[] | undefined }
  readonly fieldParser: FieldParser
  /** Scans large bodies on a worker thread; null when `offload` is off. */
  readonly offload: OffloadScanner | null
  readonly router: Router
}

export function extract(ctx: ExtractContext, ex: Exchange): StageResult {
  if (!ex.json) return NEXT
  const body = ex.body!
  const offload = ctx.offload
  if (offload?.wants(body)) {
    offload.scan(body, (err, fields) => {
      // The client went away while its body was on the worker: nothing to answer, nothing to send.
      if (isGone(ex)) ex.left()
      else if (err !== null) ex.fail(invalidJson(err))
      else check(ctx, ex, fields!)
      ex.resume()
    })
    return WAIT
  }
  let fields: ExtractedFields
  try {
    fields = ctx.fieldParser.parse(body)
  } catch (err) {
    ex.fail(invalidJson(err))
    return NEXT
  }
  check(ctx, ex, fields)
  return NEXT
}

/** Fills the exchange from the fields, or fails it when they are not what the path needs. */
function check(ctx: ExtractContext, ex: Exchange, fields: ExtractedFields): void {
  const model = fields.model
  ex.model = model
  ex.stream = fields.stream === true
  ex.includeUsage = fields.includeUsage
  ex.maxTokens = fields.maxTokens ?? fields.maxCompletionTokens ?? fields.maxOutputTokens
  if (ex.needsModel) {
    if (!fields.isObject) {
      return ex.fail(new VeloxError('VELOX_ERR_INVALID_FIELD', 'The request body must be a JSON object'))
    }
    const param = fields.invalidParam
    if (param !== undefined) {
      return ex.fail(new VeloxError('VELOX_ERR_INVALID_FIELD', `Invalid type for '${param}'`, param))
    }
    if (model === undefined || model === '') {
      return ex.fail(new VeloxError('VELOX_ERR_MISSING_MODEL', undefined, 'model'))
    }
    const allowed = ctx.options.models
    if (allowed !== undefined && !allowed.some((glob) => glob.test(model))) {
      return ex.fail(modelNotFound(model))
    }
  }
  ex.modelStart = fields.modelStart
  ex.modelEnd = fields.modelEnd
  if (ex.modelStart < 0 && model !== undefined && rewritesModel(ctx.router, model)) {
    // The simdjson backend reads no byte offsets: find the token the alias will replace.
    const offsets = extractFields(ex.body!)
    ex.modelStart = offsets.modelStart
    ex.modelEnd = offsets.modelEnd
  }
}

/** True when a route sends `model` upstream under another name (an alias to splice in). */
function rewritesModel(router: Router, model: string): boolean {
  return router.resolve(model)?.some((candidate) => candidate.model !== undefined) === true
}

/** True once the client's connection (or HTTP/2 stream, whose compat response has no `destroyed`) is gone. */
function isGone(ex: Exchange): boolean {
  const res = ex.res
  return res.destroyed || (res as { stream?: { destroyed: boolean } }).stream?.destroyed === true
}

function invalidJson(err: unknown): VeloxError {
  const detail = syntaxErrorDetail(err)
  return new VeloxError(
    'VELOX_ERR_INVALID_JSON',
    `The request body is not valid JSON${detail ? `: ${detail}` : ''}`,
  )
}

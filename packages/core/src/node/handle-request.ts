/**
 * The request path for one `/v1/*` request, from the raw Node request to the proxied response:
 * admit (method, path), read the body into a pooled buffer, extract the fields, check them, and
 * hand the exchange to the upstream. Every failure here becomes an OpenAI-style error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type Outgoing, ProxyExchange } from '../egress/proxy-exchange.js'
import { VeloxError, type VeloxErrorCode } from '../errors.js'
import { CLIENT_GONE, readBody, tooLarge } from '../ingress/read-body.js'
import { type ExtractedFields, extractFields } from '../json/extract-fields.js'
import { syntaxErrorDetail } from '../json/field-parser.js'
import { answerModels } from '../route/models-endpoint.js'
import type { Candidate } from '../route/router.js'
import { type RequestInfo, rejectedRecord } from '../telemetry/exchange-record.js'
import type { GatewayContext } from './context.js'
import { ALLOW_HEADER, ALLOWED_METHODS, isJsonContentType, isSafePath, MODEL_REQUIRED } from './endpoints.js'
import { writeError } from './write-error.js'

/** A body already consumed by a framework's parser: its raw bytes if kept, else the parsed value. */
export type PreParsedBody = Buffer | { parsed: unknown }

function reject(
  ctx: GatewayContext,
  info: RequestInfo,
  res: ServerResponse,
  error: VeloxError,
  options?: Parameters<typeof writeError>[2],
): void {
  const counters = ctx.counters
  counters.active--
  counters.rejected++
  counters.errors[error.code] = (counters.errors[error.code] ?? 0) + 1
  writeError(res, error, options)
  if (ctx.recordsWanted) ctx.recordExchange(rejectedRecord(info, error.status, error.code))
}

function modelNotFound(model: string): VeloxError {
  const shown = model.length > 200 ? `${model.slice(0, 200)}...` : model
  return fail(
    'VELOX_ERR_MODEL_NOT_FOUND',
    `The model '${shown}' does not exist or you do not have access to it`,
    'model',
  )
}

function fail(code: VeloxErrorCode, message?: string, param: string | null = null): VeloxError {
  return new VeloxError(code, message, param)
}

/**
 * Handles one request that `gateway.matches()` accepted. Never throws; always answers.
 *
 * @param body a body a framework already parsed (see PreParsedBody); omit to read the stream.
 */
export function handleRequest(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  body?: PreParsedBody,
): void {
  const counters = ctx.counters
  counters.total++
  counters.active++
  const url = req.url ?? '/'
  const query = url.indexOf('?')
  const pathname = query === -1 ? url : url.slice(0, query)
  const rest = pathname.slice(ctx.options.prefix.length)
  const method = req.method ?? 'GET'
  const info: RequestInfo = {
    method,
    path: rest,
    startedAt: performance.now(),
    model: undefined,
    stream: false,
    key: undefined,
    maxTokens: undefined,
    responseHeaders: undefined,
    reservation: undefined,
  }

  if (ctx.closing) return reject(ctx, info, res, fail('VELOX_ERR_SHUTTING_DOWN'))
  if (!isSafePath(rest)) return reject(ctx, info, res, fail('VELOX_ERR_INVALID_PATH'))
  if (!ALLOWED_METHODS.has(method)) {
    return reject(ctx, info, res, fail('VELOX_ERR_METHOD_NOT_ALLOWED'), { headers: { allow: ALLOW_HEADER } })
  }
  const pathAndQuery = rest === '/' ? '' : rest + (query === -1 ? '' : url.slice(query))

  if (method !== 'POST') {
    if (method === 'GET' && rest === '/models' && ctx.options.modelsEndpoint !== 'proxy') {
      return answerModels(ctx, info, res)
    }
    return forward(
      ctx,
      info,
      req,
      res,
      { pathAndQuery, body: null, modelStart: -1, modelEnd: -1, decoded: false },
      null,
    )
  }

  const needsModel = MODEL_REQUIRED.has(rest)
  const json = isJsonContentType(req.headers['content-type'])
  if (needsModel && !json && body === undefined) {
    return reject(ctx, info, res, fail('VELOX_ERR_UNSUPPORTED_MEDIA_TYPE'), { closeConnection: true })
  }

  const encoding = req.headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity' && body === undefined) {
    const message = `Content-Encoding '${encoding.slice(0, 40)}' is not supported: send the body uncompressed`
    return reject(ctx, info, res, fail('VELOX_ERR_UNSUPPORTED_MEDIA_TYPE', message), {
      closeConnection: true,
    })
  }

  if (body !== undefined) {
    const bytes = Buffer.isBuffer(body) ? body : reserialize(ctx, body.parsed)
    // The parser's own limit may be higher than the gateway's: the bound holds whoever read the body.
    if (bytes.length > ctx.options.maxBodyBytes) {
      const error = fail('VELOX_ERR_BODY_TOO_LARGE', tooLarge(ctx.options.maxBodyBytes))
      return reject(ctx, info, res, error, { closeConnection: true })
    }
    // Raw bytes kept by a parser are JSON only if the client said so; a re-serialized value always is.
    const isJson = Buffer.isBuffer(body) ? json : true
    return onBody(ctx, info, req, res, pathAndQuery, needsModel, isJson, bytes, null, true)
  }
  readBody(
    req,
    ctx.bufferPool,
    ctx.options.maxBodyBytes,
    ctx.options.timeouts.clientBodyMs,
    (err, bytes, slab) => {
      if (err === CLIENT_GONE) {
        counters.active--
        counters.clientAborted++
        return
      }
      if (err !== null) return reject(ctx, info, res, err, { closeConnection: true })
      onBody(ctx, info, req, res, pathAndQuery, needsModel, json, bytes, slab, false)
    },
  )
}

function reserialize(ctx: GatewayContext, parsed: unknown): Buffer {
  ctx.counters.reserializedBodies++
  ctx.warnOnce(
    'VELOX_WARN_REPARSED_BODY',
    'A body parser ran before Velox, so each body is parsed and serialized again. ' +
      'Mount Velox before the body parser (or keep the raw body) for byte-exact forwarding and speed.',
  )
  return Buffer.from(JSON.stringify(parsed ?? null))
}

function onBody(
  ctx: GatewayContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  pathAndQuery: string,
  needsModel: boolean,
  json: boolean,
  body: Buffer,
  slab: Buffer | null,
  decoded: boolean,
): void {
  if (!json) {
    return forward(ctx, info, req, res, { pathAndQuery, body, modelStart: -1, modelEnd: -1, decoded }, slab)
  }
  const offload = ctx.offload
  if (offload?.wants(body)) {
    // A large body is scanned on the worker (offload/); the request continues when it answers.
    return offload.scan(body, (err, fields) => {
      if (isGone(res)) return clientLeftDuringScan(ctx, slab)
      const checked = err !== null ? invalidJson(err) : checkFields(ctx, info, fields!, needsModel)
      afterCheck(ctx, info, req, res, pathAndQuery, body, slab, decoded, checked)
    })
  }
  let checked: VeloxError | ExtractedFields
  try {
    checked = checkFields(ctx, info, ctx.fieldParser.parse(body), needsModel)
  } catch (err) {
    checked = invalidJson(err)
  }
  afterCheck(ctx, info, req, res, pathAndQuery, body, slab, decoded, checked)
}

function afterCheck(
  ctx: GatewayContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  pathAndQuery: string,
  body: Buffer,
  slab: Buffer | null,
  decoded: boolean,
  checked: VeloxError | ExtractedFields,
): void {
  if (checked instanceof VeloxError) {
    if (slab !== null) ctx.bufferPool.release(slab)
    return reject(ctx, info, res, checked)
  }
  let { modelStart, modelEnd } = checked
  if (modelStart < 0 && checked.model !== undefined && rewritesModel(ctx, checked.model)) {
    // The simdjson backend reads no byte offsets: find the token the alias will replace.
    ;({ modelStart, modelEnd } = extractFields(body))
  }
  forward(ctx, info, req, res, { pathAndQuery, body, modelStart, modelEnd, decoded }, slab)
}

/** True when a route sends `model` upstream under another name (an alias to splice in). */
function rewritesModel(ctx: GatewayContext, model: string): boolean {
  return ctx.router.resolve(model)?.some((candidate) => candidate.model !== undefined) === true
}

/** True once the client's connection (or HTTP/2 stream, whose compat response has no `destroyed`) is gone. */
function isGone(res: ServerResponse): boolean {
  return res.destroyed || (res as { stream?: { destroyed: boolean } }).stream?.destroyed === true
}

/** The client went away while its body was on the offload worker: nothing to answer, nothing to send. */
function clientLeftDuringScan(ctx: GatewayContext, slab: Buffer | null): void {
  if (slab !== null) ctx.bufferPool.release(slab)
  ctx.counters.active--
  ctx.counters.clientAborted++
}

function invalidJson(err: unknown): VeloxError {
  const detail = syntaxErrorDetail(err)
  return fail('VELOX_ERR_INVALID_JSON', `The request body is not valid JSON${detail ? `: ${detail}` : ''}`)
}

/** Checks the fields the gateway relies on; fills `info`. */
function checkFields(
  ctx: GatewayContext,
  info: RequestInfo,
  fields: ExtractedFields,
  needsModel: boolean,
): VeloxError | ExtractedFields {
  info.model = fields.model
  info.stream = fields.stream === true
  info.maxTokens = fields.maxTokens ?? fields.maxCompletionTokens ?? fields.maxOutputTokens
  if (!needsModel) return fields
  if (!fields.isObject) {
    return fail('VELOX_ERR_INVALID_FIELD', 'The request body must be a JSON object')
  }
  if (fields.invalidParam !== undefined) {
    const param = fields.invalidParam
    return fail('VELOX_ERR_INVALID_FIELD', `Invalid type for '${param}'`, param)
  }
  const model = fields.model
  if (model === undefined || model === '') {
    return fail('VELOX_ERR_MISSING_MODEL', undefined, 'model')
  }
  const allowed = ctx.options.models
  if (allowed !== undefined && !allowed.some((glob) => glob.test(model))) {
    return modelNotFound(model)
  }
  return fields
}

function forward(
  ctx: GatewayContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  outgoing: Outgoing,
  slab: Buffer | null,
): void {
  const candidates = ctx.router.resolve(info.model)
  if (candidates === undefined) {
    if (slab !== null) ctx.bufferPool.release(slab)
    return reject(ctx, info, res, modelNotFound(info.model!))
  }
  // The limit step (limit/limiter.ts): it calls proxy() once admitted, or reject().
  if (ctx.limiter !== undefined) {
    return ctx.limiter.admit(ctx, info, req, res, outgoing, candidates, slab, proxy, reject)
  }
  proxy(ctx, info, req, res, outgoing, candidates, slab)
}

function proxy(
  ctx: GatewayContext,
  info: RequestInfo,
  req: IncomingMessage,
  res: ServerResponse,
  outgoing: Outgoing,
  candidates: readonly Candidate[],
  slab: Buffer | null,
): void {
  new ProxyExchange(ctx, info, req, res, outgoing, candidates, slab).start()
}

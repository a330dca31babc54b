/**
 * The request path for one `/v1/*` request, from the raw Node request to the proxied response:
 * admit (method, path), read the body into a pooled buffer, extract the fields, check them, and
 * hand the exchange to the upstream. Every failure here becomes an OpenAI-style error.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ProxyExchange } from '../egress/proxy-exchange.js'
import { VeloxError, type VeloxErrorCode } from '../errors.js'
import { CLIENT_GONE, readBody } from '../ingress/read-body.js'
import { extractFields, JsonSyntaxError } from '../json/extract-fields.js'
import type { GatewayContext } from './context.js'
import { ALLOW_HEADER, ALLOWED_METHODS, isJsonContentType, isSafePath, MODEL_REQUIRED } from './endpoints.js'
import { writeError } from './write-error.js'

/** A body already consumed by a framework's parser: its raw bytes if kept, else the parsed value. */
export type PreParsedBody = Buffer | { parsed: unknown }

function reject(
  ctx: GatewayContext,
  res: ServerResponse,
  code: VeloxErrorCode,
  message?: string,
  param: string | null = null,
  options?: Parameters<typeof writeError>[2],
): void {
  const counters = ctx.counters
  counters.active--
  counters.rejected++
  counters.errors[code] = (counters.errors[code] ?? 0) + 1
  writeError(res, new VeloxError(code, message, param), options)
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
  if (ctx.closing) return reject(ctx, res, 'VELOX_ERR_SHUTTING_DOWN')

  const url = req.url ?? '/'
  const query = url.indexOf('?')
  const pathname = query === -1 ? url : url.slice(0, query)
  const rest = pathname.slice(ctx.options.prefix.length)
  if (!isSafePath(rest)) return reject(ctx, res, 'VELOX_ERR_INVALID_PATH')
  const method = req.method ?? 'GET'
  if (!ALLOWED_METHODS.has(method)) {
    return reject(ctx, res, 'VELOX_ERR_METHOD_NOT_ALLOWED', undefined, null, {
      headers: { allow: ALLOW_HEADER },
    })
  }
  const upstream = ctx.upstream.config
  const upstreamPath =
    rest === '' || rest === '/'
      ? upstream.requestPath
      : upstream.basePath + rest + (query === -1 ? '' : url.slice(query))

  if (method !== 'POST') return forward(ctx, req, res, method, upstreamPath, null, null)

  const needsModel = MODEL_REQUIRED.has(rest)
  const json = isJsonContentType(req.headers['content-type'])
  if (needsModel && !json && body === undefined) {
    return reject(ctx, res, 'VELOX_ERR_UNSUPPORTED_MEDIA_TYPE', undefined, null, { closeConnection: true })
  }

  const encoding = req.headers['content-encoding']
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity' && body === undefined) {
    const message = `Content-Encoding '${encoding.slice(0, 40)}' is not supported: send the body uncompressed`
    return reject(ctx, res, 'VELOX_ERR_UNSUPPORTED_MEDIA_TYPE', message, null, { closeConnection: true })
  }

  if (body !== undefined) {
    const bytes = Buffer.isBuffer(body) ? body : reserialize(ctx, body.parsed)
    return onBody(ctx, req, res, upstreamPath, needsModel, true, bytes, null)
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
      if (err !== null) {
        counters.active--
        counters.rejected++
        counters.errors[err.code] = (counters.errors[err.code] ?? 0) + 1
        return writeError(res, err, { closeConnection: true })
      }
      onBody(ctx, req, res, upstreamPath, needsModel, json, bytes, slab)
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
  req: IncomingMessage,
  res: ServerResponse,
  upstreamPath: string,
  needsModel: boolean,
  json: boolean,
  body: Buffer,
  slab: Buffer | null,
): void {
  if (json) {
    const problem = checkFields(ctx, body, needsModel)
    if (problem !== undefined) {
      if (slab !== null) ctx.bufferPool.release(slab)
      return reject(ctx, res, problem.code, problem.message, problem.param)
    }
  }
  forward(ctx, req, res, 'POST', upstreamPath, body, slab)
}

interface FieldProblem {
  code: VeloxErrorCode
  message: string
  param: string | null
}

function checkFields(ctx: GatewayContext, body: Buffer, needsModel: boolean): FieldProblem | undefined {
  let fields: ReturnType<typeof extractFields>
  try {
    fields = extractFields(body)
  } catch (err) {
    const detail = err instanceof JsonSyntaxError ? `: ${err.message}` : ''
    return {
      code: 'VELOX_ERR_INVALID_JSON',
      message: `The request body is not valid JSON${detail}`,
      param: null,
    }
  }
  if (!needsModel) return undefined
  if (!fields.isObject) {
    return { code: 'VELOX_ERR_INVALID_FIELD', message: 'The request body must be a JSON object', param: null }
  }
  if (fields.invalidParam !== undefined) {
    const param = fields.invalidParam
    return { code: 'VELOX_ERR_INVALID_FIELD', message: `Invalid type for '${param}'`, param }
  }
  const model = fields.model
  if (model === undefined || model === '') {
    return { code: 'VELOX_ERR_MISSING_MODEL', message: 'You must provide a model parameter', param: 'model' }
  }
  const allowed = ctx.options.models
  if (allowed !== undefined && !allowed.some((glob) => glob.test(model))) {
    const shown = model.length > 200 ? `${model.slice(0, 200)}...` : model
    return {
      code: 'VELOX_ERR_MODEL_NOT_FOUND',
      message: `The model '${shown}' does not exist or you do not have access to it`,
      param: 'model',
    }
  }
  return undefined
}

function forward(
  ctx: GatewayContext,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  body: Buffer | null,
  slab: Buffer | null,
): void {
  new ProxyExchange(ctx, req, res, slab).dispatch(method, path, body)
}

/**
 * GET /v1/models when the gateway answers it itself: from the routes (the model names they list;
 * globs cannot be listed), or merged from every upstream's own list (the first upstream to list a
 * model wins; an upstream that fails is left out and logged; if all fail, 502).
 */
import type { ServerResponse } from 'node:http'
import type { Upstream } from '../egress/upstream.js'
import { VeloxError } from '../errors.js'
import type { GatewayContext } from '../node/context.js'
import { writeError } from '../node/write-error.js'
import { type RequestInfo, rejectedRecord } from '../telemetry/exchange-record.js'

interface ModelEntry {
  id: string
  object: 'model'
  created: number
  owned_by: string
}

export function answerModels(ctx: GatewayContext, info: RequestInfo, res: ServerResponse): void {
  if (ctx.options.modelsEndpoint === 'routes') {
    const data = ctx.router
      .listedModels()
      .map((id) => ({ id, object: 'model', created: 0, owned_by: 'velox' }))
    return respond(ctx, info, res, data)
  }
  mergeFromUpstreams(ctx.upstreams, ctx).then(
    (data) => {
      if (data !== undefined) return respond(ctx, info, res, data)
      const error = new VeloxError(
        'VELOX_ERR_UPSTREAM_UNREACHABLE',
        'No upstream answered the list of models',
      )
      ctx.counters.active--
      ctx.counters.rejected++
      ctx.counters.errors[error.code] = (ctx.counters.errors[error.code] ?? 0) + 1
      writeError(res, error)
      if (ctx.recordsWanted) ctx.recordExchange(rejectedRecord(info, error.status, error.code))
    },
    () => {},
  )
}

async function mergeFromUpstreams(
  upstreams: readonly Upstream[],
  ctx: GatewayContext,
): Promise<ModelEntry[] | undefined> {
  const lists = await Promise.all(
    upstreams.map(async (u) => {
      try {
        const { statusCode, body } = await u.pool.request({
          method: 'GET',
          path: `${u.config.basePath}/models`,
          headers: [...u.injectedHeaders],
        })
        const json = (await body.json()) as { data?: ModelEntry[] }
        if (statusCode !== 200 || !Array.isArray(json.data)) throw new Error(`status ${statusCode}`)
        return json.data
      } catch (err) {
        ctx.logger?.warn(
          { upstream: u.config.name, err: (err as Error).message },
          'velox: listing models failed',
        )
        return undefined
      }
    }),
  )
  if (lists.every((list) => list === undefined)) return undefined
  const merged = new Map<string, ModelEntry>()
  for (const list of lists)
    for (const model of list ?? []) if (!merged.has(model.id)) merged.set(model.id, model)
  return [...merged.values()]
}

function respond(ctx: GatewayContext, info: RequestInfo, res: ServerResponse, data: unknown[]): void {
  const body = JSON.stringify({ object: 'list', data })
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  res.end(body)
  ctx.counters.active--
  ctx.counters.completed++
  if (ctx.recordsWanted) {
    ctx.recordExchange({ ...rejectedRecord(info, 200, 'VELOX_ERR_INTERNAL'), errorCode: undefined })
  }
}

/**
 * GET /v1/models when the gateway answers it itself: from the routes (the model names they list;
 * globs cannot be listed), or merged from every upstream's own list (the first upstream to list a
 * model wins; an upstream that fails is left out and logged; if all fail, 502).
 */
import type { Upstream } from '../egress/upstream.js'
import { VeloxError } from '../errors.js'
import type { Exchange } from '../exchange/exchange.js'
import type { Logger } from '../options.js'
import type { ModelsEndpoint } from './route-options.js'
import type { Router } from './router.js'

/** What answering GET /models needs of the gateway (the admit stage calls it). */
export interface ModelsHost {
  readonly options: { readonly modelsEndpoint: ModelsEndpoint }
  readonly router: Router
  /** Every upstream, the default first. */
  readonly upstreams: readonly Upstream[]
  readonly logger: Logger | undefined
}

interface ModelEntry {
  id: string
  object: 'model'
  created: number
  owned_by: string
}

/** Answers the exchange (a 200 list, or a 502 when no upstream could list) and resumes it. */
export function answerModels(host: ModelsHost, ex: Exchange): void {
  if (host.options.modelsEndpoint === 'routes') {
    const data = host.router
      .listedModels()
      .map((id) => ({ id, object: 'model', created: 0, owned_by: 'velox' }))
    return respond(ex, data)
  }
  mergeFromUpstreams(host.upstreams, host.logger).then(
    (data) => {
      if (data !== undefined) return respond(ex, data)
      ex.fail(new VeloxError('VELOX_ERR_UPSTREAM_UNREACHABLE', 'No upstream answered the list of models'))
      ex.resume()
    },
    () => {},
  )
}

async function mergeFromUpstreams(
  upstreams: readonly Upstream[],
  logger: Logger | undefined,
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
        logger?.warn({ upstream: u.config.name, err: (err as Error).message }, 'velox: listing models failed')
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

function respond(ex: Exchange, data: unknown[]): void {
  const body = JSON.stringify({ object: 'list', data })
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
  ex.res.end(body)
  ex.answered(200)
  ex.resume()
}

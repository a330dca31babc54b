/**
 * @velox/koa: mounts the Velox gateway in a Koa 3 app. The middleware takes the requests under the
 * prefix (`/v1` by default), sets `ctx.respond = false` so Koa leaves the response alone, and hands
 * the raw Node request and response to the core; every other path goes on with `await next()`.
 * Mount it before a body parser for byte-exact forwarding from pooled buffers; mounted after
 * koa-bodyparser or @koa/bodyparser, it forwards the parser's `rawBody` (or, without one, the
 * parsed body re-serialized: slower, counted and warned once).
 */
import { createGateway, type Gateway, isGateway, type PreParsedBody, type VeloxOptions } from '@velox/core'
import type { Context, Middleware, Next } from 'koa'

export interface VeloxMiddleware extends Middleware {
  /** The gateway behind the middleware: `stats()`, `close()`. */
  readonly gateway: Gateway
}

/**
 * The Koa middleware. Pass options to create a gateway, or a gateway to share one (one set of pools
 * and limits) between several apps or adapters.
 *
 * @example
 * import Koa from 'koa'
 * import { veloxMiddleware } from '@velox/koa'
 * const app = new Koa()
 * app.use(veloxMiddleware({ upstream: { apiKey: process.env.OPENAI_API_KEY } }))
 * app.listen(3000)
 */
export function veloxMiddleware(optionsOrGateway: VeloxOptions | Gateway = {}): VeloxMiddleware {
  const gateway = isGateway(optionsOrGateway) ? optionsOrGateway : createGateway(optionsOrGateway)
  const middleware = async function velox(ctx: Context, next: Next): Promise<void> {
    // The raw URL, not ctx.path: the core derives the upstream path from req.url, so both must agree.
    if (!gateway.matches(ctx.req.url ?? '/')) return next()
    // Koa writes its own response (a 404 with no body set) once the middleware chain resolves,
    // unless told the response is handled elsewhere; the core answers on ctx.res, maybe later.
    ctx.respond = false
    gateway.handle(ctx.req, ctx.res, consumedBody(ctx))
  }
  return Object.assign(middleware, { gateway })
}

/**
 * The body a parser mounted earlier already read, if any. koa-bodyparser and @koa/bodyparser read
 * the stream to its end (`complete` and no longer readable), leave the result in
 * `ctx.request.body` and the decoded text in `ctx.request.rawBody`.
 */
function consumedBody(ctx: Context): PreParsedBody | undefined {
  const req = ctx.req
  if (!(req.complete && !req.readable)) return undefined
  const { rawBody, body } = ctx.request as Context['request'] & { rawBody?: unknown; body?: unknown }
  if (typeof rawBody === 'string') return Buffer.from(rawBody)
  if (Buffer.isBuffer(rawBody)) return rawBody
  if (Buffer.isBuffer(body)) return body
  if (typeof body === 'string') return Buffer.from(body)
  return { parsed: body }
}

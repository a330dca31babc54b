/**
 * @velox/express: mounts the Velox gateway in an Express 5 app. The middleware takes the requests
 * under the prefix (`/v1` by default) and hands the raw Node request and response to the core;
 * every other path goes on to the app with `next()`. Mount it before `express.json()` for
 * byte-exact forwarding; mounted after, it still works from the parsed body (slower, warned once).
 */
import { createGateway, type Gateway, isGateway, type PreParsedBody, type VeloxOptions } from '@velox/core'
import type { NextFunction, Request, Response } from 'express'

export interface VeloxMiddleware {
  (req: Request, res: Response, next: NextFunction): void
  /** The gateway behind the middleware: `stats()`, `close()`. */
  readonly gateway: Gateway
}

/**
 * The Express middleware. Pass options to create a gateway, or a gateway to share one (one set of
 * pools and limits) between several apps or adapters.
 *
 * @example
 * import express from 'express'
 * import { veloxMiddleware } from '@velox/express'
 * const app = express()
 * app.use(veloxMiddleware({ upstream: { apiKey: process.env.OPENAI_API_KEY } }))
 * app.listen(3000)
 */
export function veloxMiddleware(optionsOrGateway: VeloxOptions | Gateway = {}): VeloxMiddleware {
  const gateway = isGateway(optionsOrGateway) ? optionsOrGateway : createGateway(optionsOrGateway)
  const middleware = function velox(req: Request, res: Response, next: NextFunction): void {
    if (!gateway.matches(req.url)) return next()
    gateway.handle(req, res, consumedBody(req))
  }
  return Object.assign(middleware, { gateway })
}

/**
 * The body a parser mounted earlier already read, if any. body-parser reads the stream to its end
 * (`complete` and no longer readable) and leaves the result in `req.body`; a `rawBody` Buffer, kept
 * by a `verify` hook, is the original bytes.
 */
function consumedBody(req: Request): PreParsedBody | undefined {
  if (!(req.complete && !req.readable)) return undefined
  const { rawBody, body } = req as Request & { rawBody?: unknown }
  if (Buffer.isBuffer(rawBody)) return rawBody
  if (Buffer.isBuffer(body)) return body
  if (typeof body === 'string') return Buffer.from(body)
  return { parsed: body }
}

/**
 * The encapsulated child context that holds Velox's routes. Its only content-type parser reads
 * nothing: the core reads the raw request into its pooled buffers (413, 408 and 415 answered the
 * OpenAI way), and the app's parsers, registered on the parent, never touch a Velox body.
 */
import type { Gateway } from '@velox/core'
import { VeloxOptionsError } from '@velox/core'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { readReplacedPayload } from './replaced-payload.js'

export interface VeloxRoutesOptions {
  gateway: Gateway
  /** Every method the app routes, so the core answers 405 (with Allow) rather than Fastify 404. */
  methods: string[]
}

// Errors Fastify raises on these routes before the handler, about checks the core makes itself
// (a malformed Content-Type: 415; a QUERY without one: 405): the core answers them its own way.
const CORE_CHECKS = new Set(['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'FST_ERR_ROUTE_MISSING_CONTENT_TYPE'])

export async function veloxRoutes(child: FastifyInstance, options: VeloxRoutesOptions): Promise<void> {
  const { gateway, methods } = options
  const url = routeUrl(child.prefix, gateway.options.prefix)

  child.removeAllContentTypeParsers()
  child.addContentTypeParser('*', (request, payload, done) => {
    if (payload === request.raw) return done(null) // unread: the core reads it
    readReplacedPayload(payload, gateway.options.maxBodyBytes, done)
  })

  child.setErrorHandler((error: FastifyError, request, reply) => {
    if (!CORE_CHECKS.has(error.code)) throw error // the app's error handler decides
    reply.hijack()
    gateway.handle(request.raw, reply.raw)
  })

  function handler(request: FastifyRequest, reply: FastifyReply): void {
    // The router may be more lenient than the prefix (caseSensitive: false, for one).
    if (!gateway.matches(request.raw.url ?? '/')) return void reply.callNotFound()
    reply.hijack()
    gateway.handle(request.raw, reply.raw, request.body as Buffer | undefined)
  }
  child.route({ method: methods, url, handler, exposeHeadRoute: false })
  child.route({ method: methods, url: `${url}/*`, handler, exposeHeadRoute: false })
}

/** The gateway's prefix is a full path; inside a Fastify prefix, routes are relative to it. */
function routeUrl(fastifyPrefix: string, veloxPrefix: string): string {
  if (fastifyPrefix === '') return veloxPrefix
  if (!veloxPrefix.startsWith(`${fastifyPrefix}/`)) {
    throw new VeloxOptionsError(
      `prefix must lie under the Fastify prefix "${fastifyPrefix}" the plugin is registered in (got "${veloxPrefix}")`,
    )
  }
  return veloxPrefix.slice(fastifyPrefix.length)
}

/**
 * @velox/fastify: registers the Velox gateway in a Fastify 5 app. `veloxPlugin` (wrapped with
 * fastify-plugin, so `fastify.velox` lands on the app itself) adds the routes `/v1` and `/v1/*` in
 * an encapsulated child context whose content-type parser leaves the body unread: the core reads
 * the raw stream into its pooled buffers, bounded in size and time, and forwards it byte for byte,
 * while the app's own JSON parsing everywhere else is untouched. Options are checked at register
 * time; a gateway the plugin created is closed with the app.
 */
import { createGateway, type Gateway, isGateway, type VeloxOptions, VeloxOptionsError } from '@velox/core'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { veloxRoutes } from './routes.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway behind `veloxPlugin`: `stats()`, `close()`. */
    velox: Gateway
  }
}

/** Either the gateway's options, or `{ gateway }` to share one (one set of pools and limits). */
export type VeloxPluginOptions = VeloxOptions | { gateway: Gateway }

async function velox(fastify: FastifyInstance, options: VeloxPluginOptions): Promise<void> {
  const gateway = gatewayFrom(fastify, options)
  // A gateway passed in may serve other apps or adapters too: its owner closes it.
  if (!('gateway' in options)) fastify.addHook('onClose', () => gateway.close())
  fastify.decorate('velox', gateway)
  await fastify.register(veloxRoutes, { gateway, methods: fastify.supportedMethods })
}

function gatewayFrom(fastify: FastifyInstance, options: VeloxPluginOptions): Gateway {
  if (!('gateway' in options)) {
    // The app's logger by default, so Velox's warnings land where the app's logs go.
    return createGateway({ ...options, logger: options.logger ?? fastify.log })
  }
  const { gateway, ...others } = options
  if (!isGateway(gateway)) {
    throw new VeloxOptionsError('gateway must be a gateway made by createGateway() from @velox/core')
  }
  const extra = Object.keys(others)
  if (extra.length > 0) {
    throw new VeloxOptionsError(
      `gateway: pass either { gateway } or options, not both (also got ${extra.join(', ')})`,
    )
  }
  return gateway
}

/**
 * The Fastify plugin. Register it with the gateway's options, or with `{ gateway }` to share one.
 *
 * @example
 * import Fastify from 'fastify'
 * import { veloxPlugin } from '@velox/fastify'
 * const app = Fastify({ logger: true })
 * await app.register(veloxPlugin, { upstream: { apiKey: process.env.OPENAI_API_KEY } })
 * await app.listen({ port: 3000 })
 * app.velox.stats()
 */
export const veloxPlugin: FastifyPluginAsync<VeloxPluginOptions> = fp(velox, {
  name: '@velox/fastify',
  fastify: '5.x',
})

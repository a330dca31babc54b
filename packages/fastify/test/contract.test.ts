import type { AddressInfo } from 'node:net'
import { veloxPlugin } from '@velox/fastify'
import { runAdapterContract } from '@velox/test-utils'
import Fastify from 'fastify'

runAdapterContract(
  'fastify',
  async ({ gateway, bodyParserFirst }) => {
    const app = Fastify()
    // Fastify has no middleware order: a JSON parser "mounted first" is one the app registers
    // before the plugin, which child contexts inherit and Velox's context must not use. Without
    // it, the app keeps Fastify's default JSON parser.
    if (bodyParserFirst) {
      app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
        done(null, JSON.parse(body as string))
      })
    }
    await app.register(veloxPlugin, { gateway })
    app.get('/health', async () => ({ ok: true }))
    app.post('/api/echo', async (request) => request.body)
    await app.listen({ port: 0, host: '127.0.0.1' })
    const { port } = app.server.address() as AddressInfo
    return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
  },
  { afterBodyParser: 'byte-exact' },
)

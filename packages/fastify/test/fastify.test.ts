import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { createGateway, VeloxOptionsError } from '@velox/core'
import { gatewayCore } from '@velox/core/internal'
import { veloxPlugin } from '@velox/fastify'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { errorBody, postJson, send, sendRaw } from '@velox/test-utils'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

// What the contract suite cannot see from outside: the plugin's place in Fastify.
describe('@velox/fastify', () => {
  let mock: MockUpstream
  const apps: FastifyInstance[] = []
  const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi Fastify' }] }
  const upstream = () => ({ origin: mock.url, apiKey: 'sk-fastify' })

  async function start(app: FastifyInstance): Promise<string> {
    apps.push(app)
    await app.listen({ port: 0, host: '127.0.0.1' })
    return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  }

  beforeAll(async () => {
    mock = await createMockUpstream()
  })
  beforeEach(() => mock.reset())
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close()
  })
  afterAll(() => mock.close())

  it('shows its routes in printRoutes(), with every method so the core can answer 405', async () => {
    const app = Fastify()
    apps.push(app)
    await app.register(veloxPlugin, { upstream: upstream() })
    await app.ready()
    const methods = 'GET, HEAD, TRACE, DELETE, OPTIONS, PATCH, PUT, POST, QUERY'
    expect(app.printRoutes({ commonPrefix: false })).toBe(`└── /v1 (${methods})\n    └── * (${methods})\n`)
  })

  it('rejects register with the VeloxOptionsError naming the field', async () => {
    const bad = (options: object) => Fastify().register(veloxPlugin, options as never)
    await expect(bad({ maxBodyBytes: -1 })).rejects.toThrow(
      new VeloxOptionsError('maxBodyBytes must be an integer >= 1 (got -1)'),
    )
    await expect(bad({ upstream: { origin: 'ftp://x' } })).rejects.toThrow(
      'upstream.origin must be an http(s) URL without credentials (got "ftp://x")',
    )
    await expect(bad({ timeout: { headersMs: 5000 } })).rejects.toThrow(
      new VeloxOptionsError('timeout is not a known option; did you mean timeouts?'),
    )
    await expect(bad({ gateway: {} })).rejects.toThrow(
      'gateway must be a gateway made by createGateway() from @velox/core',
    )
    const gateway = createGateway()
    await expect(bad({ gateway, prefix: '/ai' })).rejects.toThrow(
      'gateway: pass either { gateway } or options, not both (also got prefix)',
    )
    await gateway.close()
  })

  it('decorates the app with its gateway, uses the app logger, and closes the pool with the app', async () => {
    const app = Fastify()
    await app.register(veloxPlugin, { upstream: upstream() })
    const url = await start(app)
    expect(app.velox.options.logger).toBe(app.log) // gateway.logger wraps it to redact credentials
    const res = await postJson(`${url}/v1/chat/completions`, chat)
    expect(JSON.parse(res.body.toString()).choices[0].message.content).toBe('Mock reply to: Hi Fastify')
    const stats = app.velox.stats()
    expect(stats.requests.total).toBe(1)
    expect(stats.requests.completed).toBe(1)
    expect(stats.upstreams[0]!.connected).toBe(1)
    await app.close()
    expect(app.velox.closing).toBe(true)
    expect(gatewayCore(app.velox).upstreams[0]!.pool.closed).toBe(true)
    expect(app.velox.stats().upstreams[0]!.connected).toBe(0)
  })

  it('leaves a gateway it was given open when the app closes (its owner closes it)', async () => {
    const gateway = createGateway({ upstream: upstream() })
    const app = Fastify()
    await app.register(veloxPlugin, { gateway })
    const url = await start(app)
    expect(app.velox).toBe(gateway)
    expect((await postJson(`${url}/v1/chat/completions`, chat)).status).toBe(200)
    await app.close()
    expect(gateway.closing).toBe(false)
    expect(gatewayCore(gateway).upstreams[0]!.pool.closed).toBe(false)
    await gateway.close()
  })

  it('keeps a logger given in the options', async () => {
    const logger = { debug() {}, info() {}, warn() {}, error() {} }
    const app = Fastify()
    apps.push(app)
    await app.register(veloxPlugin, { upstream: upstream(), logger })
    expect(app.velox.options.logger).toBe(logger)
  })

  it('answers a malformed Content-Type and a QUERY the OpenAI way, not Fastify’s', async () => {
    const app = Fastify()
    await app.register(veloxPlugin, { upstream: upstream() })
    const url = await start(app)
    const res = await send(`${url}/v1/chat/completions`, {
      body: JSON.stringify(chat),
      headers: { 'content-type': 'not a media type' },
    })
    expect(res.status).toBe(415)
    expect(JSON.parse(res.body.toString())).toEqual(
      errorBody(
        'VELOX_ERR_UNSUPPORTED_MEDIA_TYPE',
        'Content-Type must be application/json',
        'invalid_request_error',
      ),
    )
    for (const method of ['QUERY', 'HEAD']) {
      const refused = await sendRaw(url, '/v1/models', { method })
      expect(refused.status).toBe(405)
      expect(refused.headers.allow).toBe('GET, POST, DELETE')
    }
    expect(mock.received).toHaveLength(0)
    expect(app.velox.stats().errors).toEqual({
      VELOX_ERR_UNSUPPORTED_MEDIA_TYPE: 1,
      VELOX_ERR_METHOD_NOT_ALLOWED: 2,
    })
  })

  it("runs the app's hooks on Velox routes, and leaves their errors to the app's error handler", async () => {
    const app = Fastify()
    app.setErrorHandler((error, _request, reply) => {
      reply.code(401).send({ app: 'error handler', message: (error as Error).message })
    })
    // The app's own authentication, applied to /v1 like to any other route.
    app.addHook('onRequest', async (request) => {
      if (request.headers['x-app-user'] !== 'alice') throw new Error('who are you?')
    })
    await app.register(veloxPlugin, { upstream: upstream() })
    const url = await start(app)
    const refused = await postJson(`${url}/v1/chat/completions`, chat)
    expect(refused.status).toBe(401)
    expect(JSON.parse(refused.body.toString())).toEqual({ app: 'error handler', message: 'who are you?' })
    const allowed = await postJson(`${url}/v1/chat/completions`, chat, { 'x-app-user': 'alice' })
    expect(allowed.status).toBe(200)
    expect(mock.received).toHaveLength(1)
  })

  it('reads a payload that a preParsing hook replaced, bounded by maxBodyBytes', async () => {
    const app = Fastify()
    // As raw-body plugins do: read the request, keep its bytes, hand a fresh stream to the parser.
    app.addHook('preParsing', async (request, _reply, payload) => {
      const chunks: Buffer[] = []
      for await (const chunk of payload) chunks.push(chunk as Buffer)
      const raw = Buffer.concat(chunks)
      ;(request as unknown as { rawBody: Buffer }).rawBody = raw
      return Readable.from([raw.subarray(0, 10), raw.subarray(10)])
    })
    await app.register(veloxPlugin, { upstream: upstream(), maxBodyBytes: 200 })
    const url = await start(app)
    const body = ` ${JSON.stringify(chat)} `
    const res = await send(`${url}/v1/chat/completions`, {
      body,
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    expect(mock.received[0]!.body.toString()).toBe(body)
    const large = await postJson(`${url}/v1/chat/completions`, { ...chat, pad: 'x'.repeat(200) })
    expect(large.status).toBe(413)
    expect(JSON.parse(large.body.toString())).toEqual(
      errorBody(
        'VELOX_ERR_BODY_TOO_LARGE',
        'Request body is larger than the gateway allows (200 bytes)',
        'invalid_request_error',
      ),
    )
    expect(mock.received).toHaveLength(1)
  })

  it("takes its routes from the gateway's prefix, also inside a Fastify prefix", async () => {
    const app = Fastify()
    app.get('/v1/models', async () => ({ app: true }))
    await app.register(
      async (api) => {
        await api.register(veloxPlugin, { upstream: upstream(), prefix: '/api/ai' })
      },
      { prefix: '/api' },
    )
    const url = await start(app)
    const res = await postJson(`${url}/api/ai/chat/completions`, chat)
    expect(res.status).toBe(200)
    expect(mock.received[0]!.path).toBe('/v1/chat/completions')
    expect(JSON.parse((await send(`${url}/v1/models`)).body.toString())).toEqual({ app: true })

    const outside = Fastify()
    const register = outside.register(
      async (api) => {
        await api.register(veloxPlugin, { upstream: upstream(), prefix: '/ai' })
      },
      { prefix: '/api' },
    )
    await expect(register).rejects.toThrow(
      'prefix must lie under the Fastify prefix "/api" the plugin is registered in (got "/ai")',
    )
  })

  it('sends a path the router matched but the prefix does not to the app’s 404', async () => {
    const app = Fastify({ routerOptions: { caseSensitive: false } })
    app.setNotFoundHandler((_request, reply) => {
      reply.code(404).send({ app: 'not found' })
    })
    await app.register(veloxPlugin, { upstream: upstream() })
    const url = await start(app)
    const res = await send(`${url}/V1/models`)
    expect(res.status).toBe(404)
    expect(JSON.parse(res.body.toString())).toEqual({ app: 'not found' })
    expect(mock.received).toHaveLength(0)
  })
})

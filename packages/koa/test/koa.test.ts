import { createServer } from 'node:http'
import { createGateway, type Gateway, VeloxOptionsError } from '@velox/core'
import { veloxMiddleware } from '@velox/koa'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson, send } from '@velox/test-utils'
import Koa from 'koa'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'

// What the contract suite cannot see from outside: Koa's own response machinery around Velox.
describe('@velox/koa', () => {
  let mock: MockUpstream
  const closers: Array<() => Promise<void>> = []
  const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi Koa' }] }

  async function serve(app: Koa, gateway: Gateway) {
    const server = await listen(createServer(app.callback()))
    closers.push(server.close, () => gateway.close())
    return server.url
  }

  beforeAll(async () => {
    mock = await createMockUpstream()
  })
  beforeEach(() => mock.reset())
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close()
  })
  afterAll(() => mock.close())

  it('answers after the middleware chain resolved, and Koa writes nothing over it', async () => {
    const gateway = createGateway({ upstream: { origin: mock.url, apiKey: 'sk-koa' } })
    const app = new Koa()
    // An outer middleware that runs after next() resolves, as loggers and error wrappers do.
    app.use(async (ctx, next) => {
      await next()
      ctx.status = 404
      ctx.body = 'written by Koa'
    })
    app.use(veloxMiddleware(gateway))
    const url = await serve(app, gateway)
    // The mock answers 300 ms later: long after Koa's chain resolved.
    const slow = await postJson(`${url}/v1/chat/completions`, chat, { 'x-mock-latency-ms': '300' })
    const direct = await postJson(`${mock.url}/v1/chat/completions`, chat)
    expect(slow.status).toBe(200)
    expect(slow.headers['content-type']).toBe('application/json')
    expect(slow.body.equals(direct.body)).toBe(true)
    expect(JSON.parse(slow.body.toString()).choices[0].message.content).toBe('Mock reply to: Hi Koa')
    const other = await send(`${url}/elsewhere`)
    expect(other.status).toBe(404)
    expect(other.body.toString()).toBe('written by Koa')
  })

  it('re-serializes a body that a parser left without its raw text, and counts it', async () => {
    const gateway = createGateway({ upstream: { origin: mock.url, apiKey: 'sk-koa' } })
    const app = new Koa()
    app.use(async (ctx, next) => {
      // A minimal parser that keeps only the parsed value (no ctx.request.rawBody).
      const chunks: Buffer[] = []
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer)
      if (chunks.length > 0) ctx.request.body = JSON.parse(Buffer.concat(chunks).toString())
      await next()
    })
    app.use(veloxMiddleware(gateway))
    const url = await serve(app, gateway)
    const res = await postJson(`${url}/v1/chat/completions`, JSON.stringify(chat, null, 2))
    expect(res.status).toBe(200)
    expect(mock.received[0]!.body.toString()).toBe(JSON.stringify(chat))
    expect(gateway.stats().requests.reserializedBodies).toBe(1)
  })

  it("takes the gateway's prefix from its options and leaves every other path to the app", async () => {
    const app = new Koa()
    const velox = veloxMiddleware({ prefix: '/ai', upstream: { origin: mock.url, apiKey: 'sk-koa' } })
    app.use(velox)
    app.use((ctx) => {
      ctx.body = { app: ctx.path }
    })
    const url = await serve(app, velox.gateway)
    const viaPrefix = await postJson(`${url}/ai/chat/completions`, chat)
    expect(viaPrefix.status).toBe(200)
    expect(mock.received[0]!.path).toBe('/v1/chat/completions')
    const v1 = await send(`${url}/v1/models`)
    expect(JSON.parse(v1.body.toString())).toEqual({ app: '/v1/models' })
    expect(velox.gateway.stats().requests.total).toBe(1)
  })

  it('creates its gateway from options and rejects an invalid one naming the field', () => {
    expect(() => veloxMiddleware({ maxBodyBytes: -1 })).toThrow(VeloxOptionsError)
    expect(() => veloxMiddleware({ maxBodyBytes: -1 })).toThrow(
      'maxBodyBytes must be an integer >= 1 (got -1)',
    )
    const gateway = createGateway()
    expect(veloxMiddleware(gateway).gateway).toBe(gateway)
  })
})

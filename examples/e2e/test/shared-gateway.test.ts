/**
 * One gateway behind three frameworks at once: one buffer pool, one upstream pool, one set of
 * counters. Each adapter only hands requests to it; none owns it.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createGateway, type Gateway } from '@velox/core'
import { veloxMiddleware as expressVelox } from '@velox/express'
import { veloxPlugin } from '@velox/fastify'
import { veloxMiddleware as koaVelox } from '@velox/koa'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson } from '@velox/test-utils'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import Koa from 'koa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

describe('one gateway shared by Express, Koa and Fastify', () => {
  let mock: MockUpstream
  let gateway: Gateway
  let fastify: FastifyInstance
  const urls: Record<'express' | 'koa' | 'fastify', string> = { express: '', koa: '', fastify: '' }
  const closers: Array<() => Promise<void>> = []

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({ upstream: { origin: mock.url, apiKey: 'sk-shared', connections: 1 } })

    const expressApp = express()
    expressApp.use(expressVelox(gateway))
    const expressServer = await listen(createServer(expressApp))
    urls.express = expressServer.url

    const koaApp = new Koa()
    koaApp.use(koaVelox(gateway))
    const koaServer = await listen(createServer(koaApp.callback()))
    urls.koa = koaServer.url

    fastify = Fastify()
    await fastify.register(veloxPlugin, { gateway })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    urls.fastify = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`

    closers.push(expressServer.close, koaServer.close, () => fastify.close())
  })

  afterAll(async () => {
    for (const close of closers) await close()
    await gateway.close()
    await mock.close()
  })

  const ask = (framework: keyof typeof urls, content: string) =>
    postJson(`${urls[framework]}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content }],
    })

  it('counts the requests of every app in one set of stats, over one upstream connection', async () => {
    const sent = { express: 1, koa: 2, fastify: 3 }
    const replies = await Promise.all(
      (Object.keys(sent) as Array<keyof typeof sent>).flatMap((framework) =>
        Array.from({ length: sent[framework] }, (_, i) => ask(framework, `${framework} ${i}`)),
      ),
    )
    const texts = replies.map((res) => JSON.parse(res.body.toString()).choices[0].message.content)
    expect(texts.sort()).toEqual(
      ['express 0', 'fastify 0', 'fastify 1', 'fastify 2', 'koa 0', 'koa 1'].map(
        (t) => `Mock reply to: ${t}`,
      ),
    )
    const stats = gateway.stats()
    expect(stats.requests.total).toBe(1 + 2 + 3)
    expect(stats.requests.completed).toBe(6)
    expect(stats.requests.active).toBe(0)
    expect(stats.buffers.inUse).toBe(0)
    expect(mock.received).toHaveLength(6)
    // One pool of one connection: the three apps' requests all went over the same socket.
    expect(stats.upstreams[0]!.connected).toBe(1)
    expect(mock.openConnections()).toBe(1)
    expect(fastify.velox).toBe(gateway)
  })

  it('keeps serving the other apps after one of them closes (the owner closes the gateway)', async () => {
    await fastify.close()
    expect(gateway.closing).toBe(false)
    const res = await ask('koa', 'still open')
    expect(res.status).toBe(200)
    expect(gateway.stats().requests.total).toBe(7)
  })
})

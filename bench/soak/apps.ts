/**
 * The host apps the soak drives, one per adapter: plain node:http with `gateway.handle`, and the
 * Express, Koa and Fastify adapters mounted the documented way. Each listens on 127.0.0.1 port 0.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Gateway } from '@velox/core'
import { veloxMiddleware as expressVelox } from '@velox/express'
import { veloxPlugin } from '@velox/fastify'
import { veloxMiddleware as koaVelox } from '@velox/koa'
import express from 'express'
import Fastify from 'fastify'
import Koa from 'koa'

export const ADAPTERS = ['node:http', 'express', 'koa', 'fastify'] as const
export type Adapter = (typeof ADAPTERS)[number]

export interface App {
  url: string
  close(): Promise<void>
}

async function listen(server: Server): Promise<App> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

/** Starts the host app of `adapter` in front of `gateway`. */
export async function startApp(adapter: Adapter, gateway: Gateway): Promise<App> {
  if (adapter === 'node:http') {
    return listen(
      createServer((req, res) => {
        if (gateway.matches(req.url ?? '/')) gateway.handle(req, res)
        else res.writeHead(404).end()
      }),
    )
  }
  if (adapter === 'express') {
    const app = express()
    app.use(expressVelox(gateway))
    return listen(createServer(app))
  }
  if (adapter === 'koa') {
    const app = new Koa()
    app.use(koaVelox(gateway))
    return listen(createServer(app.callback()))
  }
  const app = Fastify()
  await app.register(veloxPlugin, { gateway })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() }
}

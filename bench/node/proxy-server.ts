/**
 * One proxy under load, in its own process (bench/lib/processes.ts starts it):
 *   proxy-server.ts <kind> <upstream origin> [offload threshold bytes]
 * kinds: `bare` (node:http + undici, the pass-through a developer writes by hand), `dispatch-floor`
 * (node:http + undici's Pool.dispatch writing into the response: dispatch-floor.ts), `velox-express`
 * (Express 5 + @velox/express), `express-hpm` (Express 5 + http-proxy-middleware), `velox-http`
 * (node:http + gateway.handle, with the offload when a threshold is given; it also measures its
 * event-loop delay), and the peers users choosing another framework compare with: `fastify-proxy`
 * (Fastify 5 + @fastify/http-proxy), `velox-fastify` (Fastify 5 + @velox/fastify), `koa-proxies`
 * (Koa 3 + koa-proxies, with a keep-alive agent) and `velox-koa` (Koa 3 + @velox/koa). Every proxy
 * keeps up to 32 keep-alive connections to the upstream. For the cost of tracing (proxy-tracing.ts):
 * `velox-http-tracing-off` (tracing: true with no tracer provider registered: the API's no-op) and
 * `velox-http-tracing-sdk` (tracing: true with the OTel SDK registered, spans batched to an exporter
 * that drops them), both node:http + gateway.handle like `velox-http`.
 * The parent sends 'begin' and 'end' over IPC; 'end' answers with the CPU time used in between.
 * VELOX_CORE (a path to a core's src/index.ts) runs that copy of the core instead of @velox/core:
 * compare-cores.ts measures two versions side by side. BENCH_SIDECAR=1 gives every Velox kind the
 * project's sidecar on a free port (profiling only, no metrics) and reports its URL when ready:
 * profile-load.ts takes CPU profiles of the proxy under load from it.
 */
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { pipeline } from 'node:stream'
import { pathToFileURL } from 'node:url'
import fastifyHttpProxy from '@fastify/http-proxy'
import { trace } from '@opentelemetry/api'
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { Gateway } from '@velox/core'
import * as published from '@velox/core'
import { veloxMiddleware } from '@velox/express'
import { veloxPlugin } from '@velox/fastify'
import { veloxMiddleware as veloxKoa } from '@velox/koa'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import { createProxyMiddleware } from 'http-proxy-middleware'
import Koa from 'koa'
import koaProxies from 'koa-proxies'
import { Pool } from 'undici'
import { dispatchFloor, forwardedHeaders, HOP_BY_HOP } from './dispatch-floor.js'

const [kind, upstream, threshold] = process.argv.slice(2) as [string, string, string | undefined]
const core = process.env.VELOX_CORE
const { createGateway } = (core ? await import(pathToFileURL(core).href) : published) as typeof published
const CONNECTIONS = 32
/** Options every Velox kind gets besides its upstream: the sidecar when profiling. */
const PROFILED = process.env.BENCH_SIDECAR === '1'
const EXTRA = PROFILED ? { sidecar: { port: 0, metrics: false } } : {}

function bare(): (req: IncomingMessage, res: ServerResponse) => void {
  const pool = new Pool(upstream, { connections: CONNECTIONS })
  return (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      pool
        .request({
          method: req.method as 'POST',
          path: req.url!,
          headers: forwardedHeaders(req),
          body: Buffer.concat(chunks),
        })
        .then(({ statusCode, headers, body }) => {
          for (const [name, value] of Object.entries(headers)) {
            if (!HOP_BY_HOP.has(name) && value !== undefined) res.setHeader(name, value)
          }
          res.writeHead(statusCode)
          pipeline(body, res, () => {})
        })
        .catch(() => {
          res.writeHead(502).end()
        })
    })
  }
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** Fastify behind our own node:http server (serverFactory), so every kind listens the same way. */
async function fastifyHandler(setup: (app: FastifyInstance) => Promise<void>): Promise<Handler> {
  let handle: Handler | undefined
  const app = Fastify({
    serverFactory: (h) => {
      handle = h as Handler
      return createServer()
    },
  })
  await setup(app)
  await app.ready()
  return handle!
}

let gateway: Gateway | undefined
async function handler(): Promise<Handler> {
  if (kind === 'bare') return bare()
  if (kind === 'dispatch-floor') return dispatchFloor(upstream, CONNECTIONS)
  if (kind === 'fastify-proxy') {
    return fastifyHandler(async (app) => {
      await app.register(fastifyHttpProxy, {
        upstream,
        prefix: '/v1',
        rewritePrefix: '/v1',
        undici: { connections: CONNECTIONS },
      })
    })
  }
  if (kind === 'velox-fastify') {
    return fastifyHandler(async (app) => {
      await app.register(veloxPlugin, { upstream: { origin: upstream, connections: CONNECTIONS }, ...EXTRA })
      gateway = app.velox
    })
  }
  if (kind === 'koa-proxies' || kind === 'velox-koa') {
    const app = new Koa()
    // autocannon closes its sockets at the end of a round with requests in flight: koa-proxies then
    // reports "Http response closed while proxying" through Koa's error log. Failures are counted
    // from autocannon's side (non-2xx, errors, timeouts), so the log is noise here.
    app.silent = true
    if (kind === 'koa-proxies') {
      const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
      app.use(koaProxies('/v1', { target: upstream, changeOrigin: false, agent }))
    } else {
      gateway = createGateway({ upstream: { origin: upstream, connections: CONNECTIONS }, ...EXTRA })
      app.use(veloxKoa(gateway))
    }
    return app.callback()
  }
  if (kind === 'velox-http-tracing-off' || kind === 'velox-http-tracing-sdk') {
    if (kind === 'velox-http-tracing-sdk') {
      const drop: SpanExporter = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} }
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(drop)] }),
      )
    }
    const g = createGateway({
      upstream: { origin: upstream, connections: CONNECTIONS },
      offload: false,
      tracing: true,
    })
    gateway = g
    return (req, res) => g.handle(req, res)
  }
  if (kind === 'velox-http') {
    const offload = threshold === undefined ? false : { thresholdBytes: Number(threshold) }
    const g = createGateway({ upstream: { origin: upstream, connections: CONNECTIONS }, offload, ...EXTRA })
    gateway = g
    return (req, res) => g.handle(req, res)
  }
  const app = express()
  if (kind === 'velox-express') {
    gateway = createGateway({ upstream: { origin: upstream, connections: CONNECTIONS }, ...EXTRA })
    app.use(veloxMiddleware(gateway))
  } else if (kind === 'express-hpm') {
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
    app.use(createProxyMiddleware({ target: upstream, pathFilter: '/v1', agent }))
  } else {
    throw new Error(`unknown proxy kind ${kind}`)
  }
  return app as unknown as Handler
}

const server = createServer(await handler())
const loop = kind === 'velox-http' ? monitorEventLoopDelay({ resolution: 1 }) : undefined
let cpu = process.cpuUsage()
let busy: EventLoopUtilization = performance.eventLoopUtilization()
const ms = (ns: number) => ns / 1e6

process.on('message', (command: string) => {
  if (command === 'begin') {
    cpu = process.cpuUsage()
    busy = performance.eventLoopUtilization()
    loop?.reset()
    loop?.enable()
    process.send!(null)
  } else if (command === 'end') {
    const used = process.cpuUsage(cpu)
    loop?.disable()
    const stats = gateway?.stats().offload
    process.send!({
      cpuMicros: used.user + used.system,
      loopBusy: performance.eventLoopUtilization(busy).utilization,
      loopDelay: loop && { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) },
      offload: stats && { offloaded: stats.offloaded, inline: stats.inline },
    })
  }
})
process.once('SIGTERM', () => {
  server.closeAllConnections()
  server.close()
  void gateway?.close()
  process.exit(0)
})
server.listen(0, '127.0.0.1', async () => {
  const sidecar = PROFILED ? await gateway?.sidecar?.ready() : undefined
  process.send!({ port: (server.address() as AddressInfo).port, sidecar })
})

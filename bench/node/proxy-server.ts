/**
 * One proxy under load, in its own process (bench/lib/processes.ts starts it):
 *   proxy-server.ts <kind> <upstream origin> [offload threshold bytes]
 * kinds: `bare` (node:http + undici, the pass-through a developer writes by hand), `velox-express`
 * (Express 5 + @velox/express), `express-hpm` (Express 5 + http-proxy-middleware), `velox-http`
 * (node:http + gateway.handle, with the offload when a threshold is given; it also measures its
 * event-loop delay). Every proxy keeps up to 32 keep-alive connections to the upstream.
 * The parent sends 'begin' and 'end' over IPC; 'end' answers with the CPU time used in between.
 * VELOX_CORE (a path to a core's src/index.ts) runs that copy of the core instead of @velox/core:
 * compare-cores.ts measures two versions side by side.
 */
import { Agent, createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { pipeline } from 'node:stream'
import { pathToFileURL } from 'node:url'
import type { Gateway } from '@velox/core'
import * as published from '@velox/core'
import { veloxMiddleware } from '@velox/express'
import express from 'express'
import { createProxyMiddleware } from 'http-proxy-middleware'
import { Pool } from 'undici'

const [kind, upstream, threshold] = process.argv.slice(2) as [string, string, string | undefined]
const core = process.env.VELOX_CORE
const { createGateway } = (core ? await import(pathToFileURL(core).href) : published) as typeof published
const CONNECTIONS = 32
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'])

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
          headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
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

let gateway: Gateway | undefined
function handler(): (req: IncomingMessage, res: ServerResponse) => void {
  if (kind === 'bare') return bare()
  if (kind === 'velox-http') {
    const offload = threshold === undefined ? false : { thresholdBytes: Number(threshold) }
    const g = createGateway({ upstream: { origin: upstream, connections: CONNECTIONS }, offload })
    gateway = g
    return (req, res) => g.handle(req, res)
  }
  const app = express()
  if (kind === 'velox-express') {
    gateway = createGateway({ upstream: { origin: upstream, connections: CONNECTIONS } })
    app.use(veloxMiddleware(gateway))
  } else if (kind === 'express-hpm') {
    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS })
    app.use(createProxyMiddleware({ target: upstream, pathFilter: '/v1', agent }))
  } else {
    throw new Error(`unknown proxy kind ${kind}`)
  }
  return app as unknown as (req: IncomingMessage, res: ServerResponse) => void
}

const server = createServer(handler())
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
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }))

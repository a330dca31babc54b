/**
 * Velox in front of a Koa app. With OPENAI_API_KEY (or VELOX_UPSTREAM_ORIGIN) set it proxies
 * there; with neither it starts the built-in mock upstream, so it runs with no account and no network.
 */
import type { AddressInfo } from 'node:net'
import { bodyParser } from '@koa/bodyparser'
import { createGateway, fromEnv } from '@velox/core'
import { veloxMiddleware } from '@velox/koa'
import { createMockUpstream } from '@velox/mock-upstream'
import Koa from 'koa'

const port = Number(process.env.PORT ?? 3000)
const options = fromEnv()
const mock =
  process.env.OPENAI_API_KEY || process.env.VELOX_UPSTREAM_ORIGIN ? undefined : await createMockUpstream()
if (mock) options.upstream = { ...options.upstream, origin: mock.url }

const gateway = createGateway(options)
const app = new Koa()
app.use(veloxMiddleware(gateway)) // before the body parser: bodies are forwarded byte for byte
app.use(bodyParser())
app.use(async (ctx, next) => {
  if (ctx.method === 'GET' && ctx.path === '/health') ctx.body = { ok: true, velox: gateway.stats().requests }
  else await next()
})

const server = app.listen(port, '127.0.0.1', () => {
  // The bound port, not PORT: with PORT=0 the system picks one (the example tests rely on it).
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  console.log(
    `Velox (Koa) listening on ${url}, proxying to ${mock ? `the mock upstream at ${mock.url}` : (options.upstream?.origin ?? 'https://api.openai.com')}`,
  )
  console.log('Try:')
  console.log(
    `  curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
  )
})

async function shutdown() {
  server.close()
  await gateway.close()
  await mock?.close()
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)

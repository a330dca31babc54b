/**
 * Velox in a Fastify app. With OPENAI_API_KEY (or VELOX_UPSTREAM_ORIGIN) set it proxies there; with
 * neither it starts the built-in mock upstream, so it runs with no account and no network. The
 * plugin creates the gateway from the options, logs through the app's logger, and closes it with
 * the app.
 */
import type { AddressInfo } from 'node:net'
import { fromEnv } from '@velox/core'
import { veloxPlugin } from '@velox/fastify'
import { createMockUpstream } from '@velox/mock-upstream'
import Fastify from 'fastify'

const port = Number(process.env.PORT ?? 3000)
const options = fromEnv()
const mock =
  process.env.OPENAI_API_KEY || process.env.VELOX_UPSTREAM_ORIGIN ? undefined : await createMockUpstream()
if (mock) options.upstream = { ...options.upstream, origin: mock.url }

const app = Fastify({ logger: { level: 'warn' } })
await app.register(veloxPlugin, options) // /v1/* in its own context: the app's JSON parser stays as it is
app.get('/health', async () => ({ ok: true, velox: app.velox.stats().requests }))

await app.listen({ port, host: '127.0.0.1' })
// The bound port, not PORT: with PORT=0 the system picks one (the example tests rely on it).
const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
console.log(
  `Velox (Fastify) listening on ${url}, proxying to ${mock ? `the mock upstream at ${mock.url}` : (options.upstream?.origin ?? 'https://api.openai.com')}`,
)
console.log('Try:')
console.log(
  `  curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
)

async function shutdown() {
  await app.close() // closes the gateway's upstream pool too (the plugin created it)
  await mock?.close()
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)

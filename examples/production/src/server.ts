/**
 * A production-shaped Velox app: the app's own auth maps its users to rate-limit keys, two
 * upstreams (a primary and a fallback), per-user limits, Prometheus metrics and profiling on the
 * sidecar thread, and usage events logged for billing. Without OPENAI_API_KEY it runs against two
 * built-in mock upstreams, so it works with no account and no network.
 *
 * Environment: PORT (3000), SIDECAR_PORT (6060), VELOX_RATE_LIMIT_RPM (60), VELOX_RATE_LIMIT_BURST (10),
 * OPENAI_API_KEY, VELOX_BACKUP_ORIGIN and VELOX_BACKUP_API_KEY (the fallback upstream), APP_TOKENS.
 */
import type { AddressInfo } from 'node:net'
import { createGateway, type UpstreamOptions } from '@velox/core'
import { veloxMiddleware } from '@velox/express'
import { createMockUpstream } from '@velox/mock-upstream'
import express from 'express'
import { type AuthedRequest, authenticate } from './users.js'

const port = Number(process.env.PORT ?? 3000)
const live = Boolean(process.env.OPENAI_API_KEY)
const mocks = live ? [] : await Promise.all([createMockUpstream(), createMockUpstream()])

const upstreams: UpstreamOptions[] = live
  ? [
      { name: 'primary', origin: 'https://api.openai.com', apiKey: process.env.OPENAI_API_KEY },
      {
        name: 'backup',
        origin: process.env.VELOX_BACKUP_ORIGIN ?? 'https://api.openai.com',
        apiKey: process.env.VELOX_BACKUP_API_KEY ?? process.env.OPENAI_API_KEY,
      },
    ]
  : mocks.map((mock, i) => ({ name: i === 0 ? 'primary' : 'backup', origin: mock.url }))

const gateway = createGateway({
  upstreams,
  routes: [{ model: '*', upstreams: ['primary', 'backup'] }], // the backup takes over when the primary fails
  modelsEndpoint: 'proxy',
  limit: {
    rpm: Number(process.env.VELOX_RATE_LIMIT_RPM ?? 60),
    burst: Number(process.env.VELOX_RATE_LIMIT_BURST ?? 10),
    key: (req) => (req as AuthedRequest).user?.id, // the app's user, not an IP or a token
  },
  sidecar: { port: Number(process.env.SIDECAR_PORT ?? 6060) }, // 127.0.0.1 only: no token needed
  onUsage: (usage) => console.log(JSON.stringify({ usage })), // one line per request, for billing
})

const app = express()
app.use('/v1', authenticate) // the app's auth runs first; Velox sees req.user
app.use(veloxMiddleware(gateway))
app.use(express.json())
app.get('/health', (_req, res) => {
  res.json({ ok: true, velox: gateway.stats().requests })
})

await gateway.ready() // warm-up done and the sidecar listening
const server = app.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  console.log(
    `metrics on ${gateway.sidecar!.url}/metrics, profiles on ${gateway.sidecar!.url}/debug/pprof/profile`,
  )
  console.log(
    `Velox (production example) listening on ${url}, proxying to ${live ? 'OpenAI' : `mock upstreams at ${mocks.map((m) => m.url).join(' and ')}`}`,
  )
  console.log('Try:')
  console.log(
    `  curl ${url}/v1/chat/completions -H 'authorization: Bearer alice-token' -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`,
  )
})

async function shutdown() {
  server.close()
  await gateway.close()
  await Promise.all(mocks.map((m) => m.close()))
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)

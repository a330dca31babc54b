// Every proxy the load benchmarks compare starts in its own process and proxies a chat request
// correctly, so a broken peer (a framework upgrade, a plugin option) fails here and not in the
// middle of `pnpm bench`. One request each: a check of the setup, not a measurement.
import { postJson } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Started, startMock, startProxy } from '../lib/processes.js'
import { PROXIES } from '../node/proxy-load.js'
import { TRACING_PROXIES } from '../node/proxy-tracing.js'

describe('the load benchmarks’ proxies', () => {
  let mock: Started
  beforeAll(async () => {
    mock = await startMock()
  })
  afterAll(async () => {
    await mock.stop()
  })

  const kinds = [...new Set([...PROXIES, ...TRACING_PROXIES].map(([kind]) => kind))]
  it.each(kinds)('%s proxies a chat completion', { timeout: 60_000 }, async (kind) => {
    const proxy = await startProxy(kind, mock.url)
    try {
      const res = await postJson(`${proxy.url}/v1/chat/completions`, {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `through ${kind}` }],
      })
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body.toString()).choices[0].message.content).toBe(
        `Mock reply to: through ${kind}`,
      )
      // The mock's controls reach the upstream through every proxy: all of them stream the same
      // number of events (a proxy that dropped x-mock-chunks would get one event per word).
      const streamed = {
        model: 'gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: 'a b c d e f' }],
      }
      const events = (r: { body: Buffer }) =>
        r.body
          .toString()
          .split('\n\n')
          .filter((e) => e.startsWith('data: ')).length
      const direct = await postJson(`${mock.url}/v1/chat/completions`, streamed, { 'x-mock-chunks': '3' })
      const proxied = await postJson(`${proxy.url}/v1/chat/completions`, streamed, { 'x-mock-chunks': '3' })
      expect(proxied.status).toBe(200)
      expect(events(direct)).toBe(6) // the role, 3 pieces, the finish reason, [DONE]
      expect(events(proxied)).toBe(events(direct))
    } finally {
      await proxy.stop()
    }
  })
})

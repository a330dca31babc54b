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
    } finally {
      await proxy.stop()
    }
  })
})

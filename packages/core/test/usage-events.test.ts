import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson, send } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createGateway, type Gateway, type UsageEvent } from '../src/index.js'

describe('usage events', () => {
  let mock: MockUpstream
  let gateway: Gateway
  let app: Awaited<ReturnType<typeof listen>>
  const fromOption: UsageEvent[] = []
  const fromListener: UsageEvent[] = []

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({
      upstream: { origin: mock.url },
      models: ['gpt-4o*'],
      onUsage: (event) => fromOption.push(event),
    })
    gateway.on('usage', (event) => fromListener.push(event))
    app = await listen(createServer((req, res) => gateway.handle(req, res)))
  })
  afterAll(async () => {
    await app.close()
    await gateway.close()
    await mock.close()
  })

  it('reports each request that reached an upstream, with its tokens, to onUsage and to listeners', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'bill me' }],
    })
    const { usage } = JSON.parse(res.body.toString())
    await vi.waitFor(() => expect(fromOption).toHaveLength(1))
    const [event] = fromOption
    expect(event).toEqual({
      key: undefined,
      model: 'gpt-4o-mini',
      upstream: 'default',
      status: 200,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
      cachedInputTokens: usage.prompt_tokens_details.cached_tokens,
      cacheWriteTokens: undefined,
      reasoningTokens: usage.completion_tokens_details.reasoning_tokens,
      cost: undefined,
      cached: false,
      latencyMs: expect.any(Number),
      ttftMs: expect.any(Number),
    })
    expect(event!.ttftMs!).toBeLessThanOrEqual(event!.latencyMs)
    expect(fromListener).toEqual(fromOption)
  })

  it('reports an upstream error too (it may have cost tokens), with no tokens', async () => {
    fromOption.length = 0
    await postJson(
      `${app.url}/v1/chat/completions`,
      { model: 'gpt-4o', messages: [] },
      { 'x-mock-status': '429' },
    )
    await vi.waitFor(() => expect(fromOption).toHaveLength(1))
    expect(fromOption[0]).toMatchObject({
      model: 'gpt-4o',
      status: 429,
      inputTokens: undefined,
      outputTokens: undefined,
    })
  })

  it('does not report requests the gateway refused before any upstream', async () => {
    fromOption.length = 0
    expect((await postJson(`${app.url}/v1/chat/completions`, { model: 'llama', messages: [] })).status).toBe(
      404,
    )
    expect((await postJson(`${app.url}/v1/chat/completions`, '{oops')).status).toBe(400)
    expect((await send(`${app.url}/v1/models`)).status).toBe(200) // reached the upstream: reported
    await vi.waitFor(() => expect(fromOption).toHaveLength(1))
    expect(fromOption[0]).toMatchObject({ model: undefined, status: 200 })
  })

  it('keeps serving when a usage listener throws, and logs it', async () => {
    const errors: string[] = []
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (_: unknown, msg?: string) => errors.push(msg ?? ''),
    }
    const g = createGateway({
      upstream: { origin: mock.url },
      logger,
      onUsage: () => {
        throw new Error('billing is down')
      },
    })
    const server = await listen(createServer((req, res) => g.handle(req, res)))
    try {
      expect((await send(`${server.url}/v1/models`)).status).toBe(200)
      await vi.waitFor(() => expect(errors).toEqual(['velox: a usage listener threw']))
    } finally {
      await server.close()
      await g.close()
    }
  })
})

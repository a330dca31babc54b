import { createServer } from 'node:http'
import { createMockUpstream, type MockUpstream } from '@velox/mock-upstream'
import { listen, postJson, send } from '@velox/test-utils'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createGateway, type ExchangeRecord, type Gateway } from '../src/index.js'

describe("gateway.on('exchange')", () => {
  let mock: MockUpstream
  let gateway: Gateway
  let app: Awaited<ReturnType<typeof listen>>
  const records: ExchangeRecord[] = []

  beforeAll(async () => {
    mock = await createMockUpstream()
    gateway = createGateway({ upstream: { origin: mock.url }, models: ['gpt-4o*'] })
    gateway.on('exchange', (r) => records.push(r))
    app = await listen(createServer((req, res) => gateway.handle(req, res)))
  })
  afterAll(async () => {
    await app.close()
    await gateway.close()
    await mock.close()
  })

  const last = async () => {
    await vi.waitFor(() => expect(records.length).toBeGreaterThan(0))
    return records.pop()!
  }

  it('records a JSON chat completion with its usage', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'count these words' }], // 17 bytes: 5 prompt tokens
    })
    const usage = JSON.parse(res.body.toString()).usage
    const r = await last()
    expect(r).toMatchObject({
      method: 'POST',
      path: '/chat/completions',
      model: 'gpt-4o-mini',
      stream: false,
      status: 200,
      errorCode: undefined,
      upstream: 'default',
      attempts: 1,
      clientAborted: false,
      inputTokens: usage.prompt_tokens,
      outputTokens: usage.completion_tokens,
    })
    expect(r.ttfbMs).toBeLessThanOrEqual(r.latencyMs)
    expect(r.ttftMs).toBeGreaterThanOrEqual(r.ttfbMs!)
  })

  it('records a streamed chat completion with the usage of its last chunk', async () => {
    const res = await postJson(`${app.url}/v1/chat/completions`, {
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream it' }],
    })
    const lines = res.body.toString().split('\n\n')
    const usage = JSON.parse(lines.at(-3)!.slice(6)).usage
    const r = await last()
    expect(r).toMatchObject({ model: 'gpt-4o', stream: true, status: 200, inputTokens: usage.prompt_tokens })
    expect(r.outputTokens).toBe(usage.completion_tokens)
  })

  it('records a gateway rejection with its code and no upstream', async () => {
    await postJson(`${app.url}/v1/chat/completions`, { model: 'other', messages: [] })
    expect(await last()).toMatchObject({
      status: 404,
      errorCode: 'VELOX_ERR_MODEL_NOT_FOUND',
      upstream: '',
      model: 'other',
      inputTokens: undefined,
    })
  })

  it('records a GET with no model', async () => {
    await send(`${app.url}/v1/models`)
    expect(await last()).toMatchObject({ method: 'GET', path: '/models', model: undefined, status: 200 })
  })
})

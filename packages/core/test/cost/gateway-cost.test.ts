/**
 * Exact usage, cost and budgets in a real gateway: real HTTP servers on 127.0.0.1 port 0, the
 * official openai SDK as the client, @velox/mock-upstream as the upstream, an injected clock for
 * the budget's periods.
 */
import { RateLimitError } from 'openai'
import { describe, expect, it } from 'vitest'
import { gatewayApps, sdk } from './gateway-app.js'

const { app, mock } = gatewayApps()
const PRICES = { 'gpt-4o*': { input: 2.5, cachedInput: 1.25, output: 10 } }
/** Dear enough that a budget runs out in a few requests: max_tokens 100 reserves about 0.1. */
const DEAR = { 'gpt-4o*': { input: 100, output: 1_000 } }

async function post(url: string, body: string): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

describe('exact usage on streams', () => {
  it('gives the client the stream it asked for, byte for byte, and accounts the real usage and cost', async () => {
    const { url, events, gateway } = await app({ pricing: PRICES })
    const body =
      '{"model":"gpt-4o", "stream":true ,"messages":[{"role":"user","content":"a \\"quoted\\" story"}]}'
    const via = await post(`${url}/v1/chat/completions`, body)
    const sent = mock().received.at(-1)!
    expect(sent.body.toString()).toBe(`{"stream_options":{"include_usage":true},${body.slice(1)}`)
    const direct = await post(`${mock().url}/v1/chat/completions`, body)
    // The mock derives ids and `created` from the body it got: map the spliced body's onto the plain one's.
    const ids = (text: string) =>
      /"id":"([^"]+)","object":"chat.completion.chunk","created":(\d+)/.exec(text)!
    const [, viaId, viaCreated] = ids(via.text)
    const [, directId, directCreated] = ids(direct.text)
    expect(
      via.text
        .replaceAll(viaId!, directId!)
        .replaceAll(`"created":${viaCreated}`, `"created":${directCreated}`),
    ).toBe(direct.text)
    expect(via.text).not.toContain('"usage"')
    const event = events.at(-1)!
    expect(event.inputTokens).toBeGreaterThan(0)
    expect(event.outputTokens).toBeGreaterThan(0)
    expect(event.cost).toBe((event.inputTokens! * 2.5 + event.outputTokens! * 10) / 1_000_000)
    expect(gateway.stats().cost).toMatchObject({ total: event.cost, unpriced: 0 })
  })

  it('sets include_usage false to true, strips the chunk, and leaves a client that asked alone', async () => {
    const { url } = await app({ pricing: PRICES })
    const off =
      '{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"x"}]}'
    const a = await post(`${url}/v1/chat/completions`, off)
    expect(mock().received.at(-1)!.body.toString()).toBe(off.replace('false', 'true'))
    expect(a.text).not.toContain('"usage"')
    expect(a.text.endsWith('data: [DONE]\n\n')).toBe(true)
    const asked = off.replace('false', 'true')
    const b = await post(`${url}/v1/chat/completions`, asked)
    expect(mock().received.at(-1)!.body.toString()).toBe(asked)
    expect(b.text).toContain('"choices":[],"usage":{')
  })

  it('leaves the body alone with usage.ensure false, and counts unpriced models without a cost', async () => {
    const { url, events, gateway } = await app({ pricing: PRICES, usage: { ensure: false } })
    const body = '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"x"}]}'
    await post(`${url}/v1/chat/completions`, body)
    expect(mock().received.at(-1)!.body.toString()).toBe(body)
    expect(events.at(-1)).toMatchObject({ inputTokens: undefined, cost: undefined })
    const client = sdk(url, 'sk-x')
    await client.chat.completions.create({ model: 'llama-3', messages: [{ role: 'user', content: 'hi' }] })
    expect(events.at(-1)!.cost).toBeUndefined()
    expect(gateway.stats().cost).toMatchObject({ total: 0, byModel: {}, unpriced: 1 })
  })
})

describe('budgets', () => {
  it('refuses with 429 insufficient_quota and headers once the day is spent, and recovers the next UTC day', async () => {
    const clock = { now: Date.UTC(2026, 11, 5, 15, 30) }
    const { url, gateway } = await app({
      pricing: DEAR,
      budget: { amount: 0.15, period: 'day', now: () => clock.now },
    })
    const client = sdk(url, 'sk-budget')
    const ask = () =>
      client.chat.completions.create({
        model: 'gpt-4o',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'spend' }],
      })
    let granted = 0
    let refused: InstanceType<typeof RateLimitError> | undefined
    for (let i = 0; i < 50 && refused === undefined; i++) {
      try {
        await ask()
        granted++
      } catch (err) {
        refused = err as InstanceType<typeof RateLimitError>
      }
    }
    expect(refused).toBeInstanceOf(RateLimitError)
    expect(granted).toBeGreaterThan(1)
    expect(refused!.status).toBe(429)
    expect(refused!.code).toBe('VELOX_ERR_BUDGET_EXCEEDED')
    expect(refused!.type).toBe('insufficient_quota')
    expect(refused!.headers.get('x-velox-budget-reset')).toBe('2026-12-06T00:00:00.000Z')
    expect(refused!.headers.get('retry-after')).toBe(String(8.5 * 3600))
    expect(Number(refused!.headers.get('x-velox-budget-remaining'))).toBeLessThan(0.15)
    // Each granted request was settled to its real cost: the spend recorded is what they cost.
    const spent = gateway.stats().cost!.total
    expect(spent).toBeLessThanOrEqual(0.15)
    expect(gateway.stats().budget).toEqual({ keys: 1, untracked: 0 })
    clock.now = Date.UTC(2026, 11, 6, 0, 0, 1)
    await expect(ask()).resolves.toMatchObject({ object: 'chat.completion' })
  })

  it('admits when the Redis budget store is down (fail open), and answers 503 with failClosed', async () => {
    const store = { redis: 'redis://127.0.0.1:1', timeoutMs: 200 }
    const open = await app({ pricing: DEAR, budget: { amount: 1, period: 'day', store } })
    const closed = await app({ pricing: DEAR, budget: { amount: 1, period: 'day', store, failClosed: true } })
    const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] })
    expect((await post(`${open.url}/v1/chat/completions`, body)).status).toBe(200)
    const refused = await post(`${closed.url}/v1/chat/completions`, body)
    expect(refused.status).toBe(503)
    expect(JSON.parse(refused.text).error).toMatchObject({ code: 'VELOX_ERR_LIMITER_UNAVAILABLE' })
  })

  it('charges a team once per request across its keys', async () => {
    const clock = { now: Date.UTC(2026, 11, 5, 10) }
    const teams: Record<string, string> = { alice: 'red', bob: 'red' }
    const { url } = await app({
      pricing: DEAR,
      limit: { rpm: 1_000, key: (req) => req.headers['x-user'] as string },
      budget: {
        amount: 1,
        period: 'month',
        now: () => clock.now,
        groups: { of: (k) => teams[k], amount: 0.15 },
      },
    })
    const client = sdk(url, 'sk-team')
    const ask = (user: string) =>
      client.chat.completions
        .create(
          { model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'team' }] },
          { headers: { 'x-user': user } },
        )
        .then(
          () => 200,
          (err: { status: number; code: string; message: string }) =>
            `${err.status} ${err.code} ${/The (\w+) budget/.exec(err.message)?.[1]}`,
        )
    const results: Array<number | string> = []
    for (let i = 0; i < 20 && !results.includes('429 VELOX_ERR_BUDGET_EXCEEDED group'); i++)
      results.push(await ask(i % 2 ? 'alice' : 'bob'))
    // Each key alone has 1 to spend: only the team's 0.003 can have refused.
    expect(results.at(-1)).toBe('429 VELOX_ERR_BUDGET_EXCEEDED group')
    expect(results.filter((r) => r === 200).length).toBeGreaterThan(1)
  })
})

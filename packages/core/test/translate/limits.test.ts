/**
 * Usage and limits see the same numbers on translated routes: the token bucket is settled with
 * the usage the translation read (a Claude stream tells it even when the OpenAI client did not
 * ask for a usage chunk), counted as OpenAI counts it (prompt = input + cache reads + writes).
 */
import { describe, expect, it } from 'vitest'
import { chat, limits, useLimitFixture } from '../limit-fixture.js'

const f = useLimitFixture()
// tpm 1 refills one token a minute: within a test the numbers are exact.
const tokens = { rpm: 600, burst: 100, tpm: 1, tokenBurst: 1_000, maxWaitMs: 0 }
const messages = [{ role: 'user', content: 'count these words' }]

function reserved(body: object): number {
  const json = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], ...body })
  return ((body as { max_tokens?: number }).max_tokens ?? 0) + Math.ceil(Buffer.byteLength(json) / 4)
}

describe('token limits on a translated route', () => {
  it('settle a JSON reply and a stream (without a usage chunk) with the translated usage', async () => {
    const claude = { origin: f.mock.url, apiKey: 'k', auth: 'anthropic' as const }
    const { url } = await f.app(tokens, { upstream: claude })
    const body = { max_tokens: 100, messages }
    const first = await chat(url, 'sk-t', body)
    expect(first.status).toBe(200)
    const usage = JSON.parse(first.body.toString()).usage
    expect(usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 6 })
    const used = usage.prompt_tokens + usage.completion_tokens
    const streamed = await chat(url, 'sk-t', { ...body, stream: true })
    expect(streamed.body.toString()).not.toContain('"usage"')
    const third = await chat(url, 'sk-t', body)
    expect(limits(third)['x-ratelimit-remaining-tokens']).toBe(String(1_000 - used - used - reserved(body)))
    expect(f.mock.received.map((r) => r.path)).toEqual(['/v1/messages', '/v1/messages', '/v1/messages'])
  })
})

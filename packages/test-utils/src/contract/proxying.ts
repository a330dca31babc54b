/** Contract: requests and responses cross the gateway unchanged, minus what must not cross. */
import { describe, expect, it } from 'vitest'
import { postJson, send, sendRaw } from '../http.js'
import { type ContractFixture, UPSTREAM_KEY } from './fixture.js'

export function describeProxying(f: ContractFixture): void {
  describe('proxying', () => {
    const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello' }] }

    it('returns the upstream chat completion byte for byte, with its status and content type', async () => {
      const direct = await postJson(`${f.mock.url}/v1/chat/completions`, chat)
      const viaVelox = await postJson(`${f.app.url}/v1/chat/completions`, chat)
      expect(viaVelox.status).toBe(200)
      expect(viaVelox.headers['content-type']).toBe('application/json')
      expect(viaVelox.headers['content-length']).toBe(String(direct.body.length))
      expect(viaVelox.body.equals(direct.body)).toBe(true)
      expect(JSON.parse(viaVelox.body.toString()).object).toBe('chat.completion')
    })

    it('forwards a body full of unicode and escapes byte for byte', async () => {
      const raw = Buffer.from(
        '{ "model" : "gpt-4o-mini",\n\t"messages":[{"role":"user","content":"h\\u00e9llo \\ud83d\\ude00 \\"q\\" \\\\ \\/ \\n 日本語 😀 ∑"}],' +
          '"temperature":1.0e-1 , "metadata":{"model":"not-this-one","k":[true,false,null,-0.5E+3]}}',
      )
      const res = await send(`${f.app.url}/v1/chat/completions`, {
        body: raw,
        headers: { 'content-type': 'application/json; charset=utf-8' },
      })
      expect(res.status).toBe(200)
      expect(f.mock.received).toHaveLength(1)
      expect(f.mock.received[0]!.body.equals(raw)).toBe(true)
      expect(f.mock.received[0]!.path).toBe('/v1/chat/completions')
    })

    it('injects the upstream key and drops client credentials and hop-by-hop headers', async () => {
      const body = JSON.stringify(chat)
      const res = await sendRaw(f.app.url, '/v1/chat/completions', {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          authorization: 'Bearer client-key',
          cookie: 'session=abc',
          'x-api-key': 'client-x-api-key',
          connection: 'x-hop',
          'x-hop': 'hop-value',
          'x-forwarded-for': '203.0.113.7',
          'openai-beta': 'assistants=v2',
          'user-agent': 'contract-suite/1.0',
          'x-custom': 'kept',
        },
      })
      expect(res.status).toBe(200)
      const seen = f.mock.received[0]!.headers
      expect(seen.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
      expect(seen.cookie).toBeUndefined()
      expect(seen['x-api-key']).toBeUndefined()
      expect(seen['x-hop']).toBeUndefined()
      expect(seen['x-forwarded-for']).toBeUndefined()
      expect(seen['openai-beta']).toBe('assistants=v2')
      expect(seen['user-agent']).toBe('contract-suite/1.0')
      expect(seen['x-custom']).toBe('kept')
      expect(seen['accept-encoding']).toBe('identity')
      expect(seen['content-length']).toBe(String(Buffer.byteLength(body)))
      const everything = JSON.stringify(res.headers) + res.body.toString()
      expect(everything).not.toContain(UPSTREAM_KEY)
    })

    it('proxies GET paths with their query string', async () => {
      const res = await send(`${f.app.url}/v1/models?limit=2`)
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body.toString()).object).toBe('list')
      expect(f.mock.received[0]!.method).toBe('GET')
      expect(f.mock.received[0]!.path).toBe('/v1/models?limit=2')
    })

    it('passes upstream errors through with their status, headers and body', async () => {
      const res = await postJson(`${f.app.url}/v1/chat/completions`, chat, {
        'x-mock-status': '429',
        'x-mock-retry-after': '7',
      })
      expect(res.status).toBe(429)
      expect(res.headers['retry-after']).toBe('7')
      expect(JSON.parse(res.body.toString()).error.code).toBe('rate_limit_exceeded')
    })

    it('gives 200 concurrent requests with distinct bodies each their own response', async () => {
      const count = 200
      const filler = (i: number) => 'x'.repeat((i * 997) % 80_000) // 0 to 80 KB: single chunk, small, pooled slabs
      const results = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          postJson(`${f.app.url}/v1/chat/completions`, {
            model: 'gpt-4o-mini',
            messages: [
              { role: 'system', content: filler(i) },
              { role: 'user', content: `marker-${i}-end` },
            ],
          }),
        ),
      )
      results.forEach((res, i) => {
        expect(res.status).toBe(200)
        const content: string = JSON.parse(res.body.toString()).choices[0].message.content
        expect(content).toContain(`marker-${i}-end`)
        expect(content.match(/marker-\d+-end/g)).toEqual([`marker-${i}-end`])
      })
      expect(f.mock.received).toHaveLength(count)
      const buffers = f.gateway.stats().buffers
      expect(buffers.inUse).toBe(0)
      expect(buffers.acquired).toBe(buffers.released)
      expect(f.gateway.stats().requests.active).toBe(0)
    })
  })
}

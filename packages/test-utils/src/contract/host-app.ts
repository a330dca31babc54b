/** Contract: the host app's own routes keep working beside Velox, and a body parser before it is survived. */
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import type { AdapterTraits } from '../harness.js'
import { postJson, send } from '../http.js'
import { type ContractFixture, gatewayOptions } from './fixture.js'

export function describeHostApp(f: ContractFixture, traits: AdapterTraits): void {
  describe('the host app', () => {
    it('serves its own routes beside Velox', async () => {
      const health = await send(`${f.app.url}/health`)
      expect(health.status).toBe(200)
      expect(JSON.parse(health.body.toString())).toEqual({ ok: true })
      const echo = await postJson(`${f.app.url}/api/echo`, { hello: 'world', n: [1, 2] })
      expect(echo.status).toBe(200)
      expect(JSON.parse(echo.body.toString())).toEqual({ hello: 'world', n: [1, 2] })
      expect(f.mock.received).toHaveLength(0)
    })

    it('leaves paths that only look like the prefix to the app', async () => {
      const res = await send(`${f.app.url}/v1beta/models`)
      expect(res.status).toBe(404)
      expect(f.mock.received).toHaveLength(0)
    })

    it(`works behind a JSON body parser mounted first (${traits.afterBodyParser})`, async () => {
      const reserialized = traits.afterBodyParser === 'reserialized'
      const { app, gateway } = await f.appWith(gatewayOptions(f.mock), true)
      const client = new OpenAI({ apiKey: 'client-key', baseURL: `${app.url}/v1`, maxRetries: 0 })
      const got = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'parsed first' }],
      })
      expect(got.choices[0]!.message.content).toContain('parsed first')
      expect(JSON.parse(f.mock.received[0]!.body.toString())).toEqual({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'parsed first' }],
      })
      expect(gateway.stats().requests.reserializedBodies).toBe(reserialized ? 1 : 0)

      // Bytes that a round trip through JSON would change: spaces, an escape, a float.
      const raw =
        '{ "model" : "gpt-4o-mini", "messages" : [{"role":"user","content":"caf\\u00e9"}], "temperature": 1.0 }'
      const res = await send(`${app.url}/v1/chat/completions`, {
        body: raw,
        headers: { 'content-type': 'application/json' },
      })
      expect(res.status).toBe(200)
      expect(JSON.parse(res.body.toString()).choices[0].message.content).toBe('Mock reply to: café')
      expect(f.mock.received[1]!.body.toString()).toBe(reserialized ? JSON.stringify(JSON.parse(raw)) : raw)
      expect(gateway.stats().requests.reserializedBodies).toBe(reserialized ? 2 : 0)

      const echo = await postJson(`${app.url}/api/echo`, { still: 'parsed' })
      expect(JSON.parse(echo.body.toString())).toEqual({ still: 'parsed' })
    })
  })
}

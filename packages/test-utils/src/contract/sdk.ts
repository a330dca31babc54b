/** Contract: the official openai SDK, pointed at the app, gets what it gets from the upstream itself. */
import OpenAI from 'openai'
import { describe, expect, it } from 'vitest'
import type { ContractFixture } from './fixture.js'

export function describeSdk(f: ContractFixture): void {
  describe('the openai SDK through the app', () => {
    const viaVelox = () => new OpenAI({ apiKey: 'client-key', baseURL: `${f.app.url}/v1`, maxRetries: 0 })
    const direct = () => new OpenAI({ apiKey: 'direct', baseURL: `${f.mock.url}/v1`, maxRetries: 0 })
    const messages = [{ role: 'user' as const, content: 'Hello from the SDK' }]

    it('chat completions', async () => {
      const got = await viaVelox().chat.completions.create({ model: 'gpt-4o-mini', messages })
      const want = await direct().chat.completions.create({ model: 'gpt-4o-mini', messages })
      expect(got).toEqual(want)
      expect(got.choices[0]!.message.content).toContain('Hello from the SDK')
    })

    it('streaming chat completions, with usage', async () => {
      const collect = async (client: OpenAI) => {
        const stream = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages,
          stream: true,
          stream_options: { include_usage: true },
        })
        let text = ''
        let usage: unknown
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? ''
          if (chunk.usage) usage = chunk.usage
        }
        return { text, usage }
      }
      const got = await collect(viaVelox())
      expect(got).toEqual(await collect(direct()))
      expect(got.text).toContain('Hello from the SDK')
      expect(got.usage).toMatchObject({
        prompt_tokens: expect.any(Number),
        completion_tokens: expect.any(Number),
      })
    })

    it('responses, plain and streamed', async () => {
      const got = await viaVelox().responses.create({ model: 'gpt-4o-mini', input: 'Hello responses' })
      const want = await direct().responses.create({ model: 'gpt-4o-mini', input: 'Hello responses' })
      expect(got.output_text).toBe(want.output_text)
      expect(got.usage).toEqual(want.usage)
      const types: string[] = []
      const stream = await viaVelox().responses.create({
        model: 'gpt-4o-mini',
        input: 'Hello responses',
        stream: true,
      })
      for await (const event of stream) types.push(event.type)
      expect(types[0]).toBe('response.created')
      expect(types.at(-1)).toBe('response.completed')
      expect(types).toContain('response.output_text.delta')
    })

    it('embeddings', async () => {
      const got = await viaVelox().embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] })
      const want = await direct().embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'] })
      expect(got).toEqual(want)
      expect(got.data).toHaveLength(2)
    })

    it('models', async () => {
      const got = await viaVelox().models.list()
      const want = await direct().models.list()
      expect(got.data).toEqual(want.data)
      expect(got.data.length).toBeGreaterThan(0)
    })

    it('gateway errors arrive as SDK errors with status and code', async () => {
      const err = await viaVelox()
        .chat.completions.create({ model: 'unknown-model', messages })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.NotFoundError)
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('VELOX_ERR_MODEL_NOT_FOUND')
    })
  })
}

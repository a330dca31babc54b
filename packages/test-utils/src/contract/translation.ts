/**
 * Contract: OpenAI and Anthropic clients across formats (issue 11). The official `openai` SDK
 * talks to a Claude (anthropic-format) upstream and the official `@anthropic-ai/sdk` to an
 * OpenAI-format one, both through the adapter, with @velox/mock-upstream answering in each
 * format; a same-format request still crosses byte for byte. Bad input is refused in the
 * client's format before anything reaches the upstream.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { Gateway, UsageEvent } from '@velox/core'
import OpenAI from 'openai'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Harness } from '../harness.js'
import { postJson } from '../http.js'
import { type ContractFixture, MAX_BODY_BYTES, UPSTREAM_KEY } from './fixture.js'

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

export function describeTranslation(f: ContractFixture): void {
  describe('translation between OpenAI and Anthropic formats', () => {
    let app: Harness
    let gateway: Gateway
    const usage: UsageEvent[] = []

    beforeAll(async () => {
      ;({ app, gateway } = await f.appWith({
        maxBodyBytes: MAX_BODY_BYTES,
        upstreams: [
          { name: 'openai', origin: f.mock.url, apiKey: UPSTREAM_KEY, connections: 4 },
          { name: 'claude', origin: f.mock.url, apiKey: UPSTREAM_KEY, auth: 'anthropic', connections: 4 },
        ],
        routes: [
          { model: 'claude-*', upstreams: ['claude'] },
          { model: 'mixed', upstreams: ['openai', { upstream: 'claude', model: 'claude-fallback' }] },
          { model: '*', upstreams: ['openai'] },
        ],
        retry: { baseDelayMs: 1, maxDelayMs: 2 },
        onUsage: (event) => usage.push(event),
      }))
      expect(gateway).toBeDefined()
    })

    const openai = () => new OpenAI({ apiKey: 'client-key', baseURL: `${app.url}/v1`, maxRetries: 0 })
    const anthropic = () => new Anthropic({ apiKey: 'client-key', baseURL: app.url, maxRetries: 0 })
    const received = () => f.mock.received.map((r) => ({ path: r.path, body: JSON.parse(r.body.toString()) }))
    const user = (content: string) => [{ role: 'user' as const, content }]
    const tools = [
      { type: 'function' as const, function: { name: 'search', parameters: { type: 'object' } } },
    ]

    it('OpenAI SDK on Claude: a chat completion, translated both ways, usage counted', async () => {
      usage.length = 0
      const completion = await openai().chat.completions.create({
        model: 'claude-sonnet',
        messages: [{ role: 'system', content: 'Be brief.' }, ...user('hello claude')],
      })
      expect(completion.choices[0]).toMatchObject({
        message: { role: 'assistant', content: 'Mock reply to: hello claude' },
        finish_reason: 'stop',
      })
      // input: ceil(("Be brief." 9 + "hello claude" 12) / 4) = 6; output: 5 word pieces
      expect(completion.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 5, total_tokens: 11 })
      const [sent] = f.mock.received
      expect(sent!.path).toBe('/v1/messages')
      expect(sent!.headers['x-api-key']).toBe(UPSTREAM_KEY)
      expect(sent!.headers.authorization).toBeUndefined()
      expect(JSON.parse(sent!.body.toString())).toEqual({
        model: 'claude-sonnet',
        max_tokens: 4096,
        system: 'Be brief.',
        messages: user('hello claude'),
      })
      await expect.poll(() => usage.length).toBe(1)
      expect(usage[0]).toMatchObject({ upstream: 'claude', status: 200, inputTokens: 6, outputTokens: 5 })
    })

    it('OpenAI SDK on Claude: streaming chat with the usage chunk', async () => {
      const stream = await openai().chat.completions.create({
        model: 'claude-sonnet',
        messages: user('stream please'),
        stream: true,
        stream_options: { include_usage: true },
      })
      let text = ''
      let last: unknown
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? ''
        if (chunk.usage) last = chunk.usage
      }
      expect(text).toBe('Mock reply to: stream please')
      expect(last).toMatchObject({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 })
    })

    it('OpenAI SDK on Claude: streamed tool calls reassemble to the arguments Claude sent', async () => {
      const stream = await openai().chat.completions.create({
        model: 'claude-sonnet',
        messages: user('find cats'),
        tools,
        tool_choice: 'required',
        stream: true,
      })
      const calls = new Map<number, { id?: string; name?: string; args: string }>()
      let finish: string | null = null
      for await (const chunk of stream) {
        const choice = chunk.choices[0]
        for (const call of choice?.delta.tool_calls ?? []) {
          const seen = calls.get(call.index) ?? { args: '' }
          seen.id ??= call.id
          seen.name ??= call.function?.name
          seen.args += call.function?.arguments ?? ''
          calls.set(call.index, seen)
        }
        finish = choice?.finish_reason ?? finish
      }
      expect([...calls.values()]).toEqual([
        { id: expect.stringMatching(/^toolu_/), name: 'search', args: '{"query":"find cats"}' },
      ])
      expect(finish).toBe('tool_calls')
      expect(received()[0]!.body.tool_choice).toEqual({ type: 'any' })
    })

    it('OpenAI SDK on Claude: images as data URLs and https URLs', async () => {
      await openai().chat.completions.create({
        model: 'claude-sonnet',
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      })
      expect(received()[0]!.body.messages[0].content).toEqual([
        { type: 'text', text: 'what is this' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
      ])
    })

    it("OpenAI SDK on Claude: 529 overloaded is retried, then answered 503 in OpenAI's shape", async () => {
      const err = await openai()
        .chat.completions.create(
          { model: 'claude-sonnet', messages: user('hi') },
          { headers: { 'x-mock-status': '529' } },
        )
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(OpenAI.InternalServerError)
      expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(503)
      expect((err as InstanceType<typeof OpenAI.APIError>).error).toEqual({
        message: 'Overloaded',
        type: 'server_error',
        param: null,
        code: 'overloaded_error',
      })
      expect(f.mock.received).toHaveLength(2) // the first attempt and its retry
    })

    it('Anthropic SDK on an OpenAI model: a message, translated both ways', async () => {
      const message = await anthropic().messages.create({
        model: 'gpt-4o-mini',
        max_tokens: 100,
        system: 'Be brief.',
        messages: user('hello gpt'),
      })
      expect(message).toMatchObject({
        type: 'message',
        role: 'assistant',
        content: [{ type: 'text', text: 'Mock reply to: hello gpt' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 5, output_tokens: 5 },
      })
      const [sent] = f.mock.received
      expect(sent!.path).toBe('/v1/chat/completions')
      expect(sent!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`)
      expect(sent!.headers['x-api-key']).toBeUndefined()
      expect(sent!.headers['anthropic-version']).toBeUndefined()
      expect(JSON.parse(sent!.body.toString())).toEqual({
        model: 'gpt-4o-mini',
        max_tokens: 100,
        messages: [{ role: 'system', content: 'Be brief.' }, ...user('hello gpt')],
      })
    })

    it('Anthropic SDK on an OpenAI model: images become image_url parts', async () => {
      await anthropic().messages.create({
        model: 'gpt-4o-mini',
        max_tokens: 10,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
              { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            ],
          },
        ],
      })
      expect(received()[0]!.body.messages[0].content).toEqual([
        { type: 'text', text: 'what is this' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
      ])
    })

    it("Anthropic SDK on an OpenAI model: a streamed tool call, in Anthropic's events, reassembled", async () => {
      const stream = anthropic().messages.stream({
        model: 'gpt-4o-mini',
        max_tokens: 100,
        messages: user('find dogs'),
        tools: [{ name: 'search', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any' },
      })
      const partials: string[] = []
      stream.on('inputJson', (partial) => partials.push(partial))
      const message = await stream.finalMessage()
      expect(message.content).toEqual([
        {
          type: 'tool_use',
          id: expect.stringMatching(/^call_/),
          name: 'search',
          input: { query: 'find dogs' },
        },
      ])
      expect(message.stop_reason).toBe('tool_use')
      expect(partials.join('')).toBe('{"query":"find dogs"}')
      expect(message.usage.output_tokens).toBe(3)
    })

    it("Anthropic SDK on an OpenAI model: an upstream error in Anthropic's shape", async () => {
      const err = await anthropic()
        .messages.create(
          { model: 'gpt-4o-mini', max_tokens: 10, messages: user('hi') },
          { headers: { 'x-mock-status': '400' } },
        )
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Anthropic.BadRequestError)
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toEqual({
        type: 'error',
        error: { type: 'invalid_request_error', message: 'Mock upstream error (status 400).' },
      })
    })

    it('same format: an Anthropic request to Claude crosses byte for byte, both ways', async () => {
      const body =
        '{"model":"claude-sonnet","max_tokens":20,"future_field":{"x":1},' +
        '"system":[{"type":"text","text":"cached","cache_control":{"type":"ephemeral"}}],' +
        '"messages":[{"role":"user","content":"hi"}]}'
      const headers = {
        'anthropic-version': '2026-10-21',
        'anthropic-beta': 'some-beta',
        'x-api-key': 'client',
      }
      const viaGateway = await postJson(`${app.url}/v1/messages`, body, headers)
      const sent = f.mock.received[0]!
      expect(sent.body.toString()).toBe(body)
      expect(sent.headers['anthropic-version']).toBe('2026-10-21') // the client's version, not the gateway's default
      expect(sent.headers['anthropic-beta']).toBe('some-beta')
      expect(sent.headers['x-api-key']).toBe(UPSTREAM_KEY)
      const direct = await postJson(`${f.mock.url}/v1/messages`, body, {
        ...headers,
        'x-api-key': UPSTREAM_KEY,
      })
      expect(viaGateway.body.equals(direct.body)).toBe(true)
    })

    it('a fallback across formats translates only the attempt that needs it', async () => {
      const completion = await openai().chat.completions.create(
        { model: 'mixed', messages: user('fall back') },
        { headers: { 'x-mock-fail-first': '2', 'x-mock-fail-id': 'mixed-fallback', 'x-mock-status': '500' } },
      )
      expect(completion.choices[0]!.message.content).toBe('Mock reply to: fall back')
      expect(received().map((r) => [r.path, r.body.model])).toEqual([
        ['/v1/chat/completions', 'mixed'],
        ['/v1/chat/completions', 'mixed'],
        ['/v1/messages', 'claude-fallback'],
      ])
    })

    it("count_tokens to an OpenAI upstream: 404 in Anthropic's shape, nothing sent", async () => {
      const err = await anthropic()
        .messages.countTokens({ model: 'gpt-4o-mini', messages: user('hi') })
        .catch((e: unknown) => e)
      expect(err).toBeInstanceOf(Anthropic.NotFoundError)
      expect((err as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
        type: 'error',
        error: { type: 'not_found_error' },
      })
      expect(f.mock.received).toHaveLength(0)
    })

    it("bad input is a 400 in the client's format and nothing reaches the upstream", async () => {
      const unknownTool = await anthropic()
        .messages.create({
          model: 'gpt-4o-mini',
          max_tokens: 10,
          messages: [
            { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_nope', content: 'x' }] },
          ],
        })
        .catch((e: unknown) => e)
      expect(unknownTool).toBeInstanceOf(Anthropic.BadRequestError)
      expect((unknownTool as InstanceType<typeof Anthropic.APIError>).error).toEqual({
        type: 'error',
        error: {
          type: 'invalid_request_error',
          message:
            "VELOX_ERR_INVALID_FIELD: No tool_use block with id 'toolu_nope' comes before this tool_result (messages[0].content[0].tool_use_id)",
        },
      })
      const refused = async (body: object) => {
        const err = await openai()
          .chat.completions.create(body as never)
          .catch((e: unknown) => e)
        expect(err).toBeInstanceOf(OpenAI.BadRequestError)
        return (err as InstanceType<typeof OpenAI.APIError>).error
      }
      expect(await refused({ model: 'claude-sonnet', messages: [] })).toMatchObject({ param: 'messages' })
      expect(
        await refused({
          model: 'claude-sonnet',
          messages: [...user('a'), { role: 'system', content: 'late' }],
        }),
      ).toMatchObject({ param: 'messages[1].role', code: 'VELOX_ERR_INVALID_FIELD' })
      expect(
        await refused({
          model: 'claude-sonnet',
          messages: [
            ...user('a'),
            {
              role: 'assistant',
              content: null,
              tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"half":' } }],
            },
          ],
        }),
      ).toMatchObject({ param: 'messages[1].tool_calls[0].function.arguments' })
      expect(await refused({ model: 'claude-sonnet', messages: user('a'), n: 2 })).toMatchObject({
        param: 'n',
        code: 'VELOX_ERR_UNSUPPORTED_FIELD',
      })
      expect(f.mock.received).toHaveLength(0)
    })

    it("the gateway's own errors reach a /v1/messages client in Anthropic's shape", async () => {
      const res = await postJson(`${app.url}/v1/messages`, '{"model":', { 'anthropic-version': '2023-06-01' })
      expect(res.status).toBe(400)
      expect(JSON.parse(res.body.toString())).toMatchObject({
        type: 'error',
        error: { type: 'invalid_request_error', message: expect.stringMatching(/^VELOX_ERR_INVALID_JSON: /) },
      })
    })
  })
}

import { describe, expect, it } from 'vitest'
import { ResponseTranslation } from '../../src/translate/response-translation.js'
import { TRANSLATE_DEFAULTS } from '../../src/translate/translate-options.js'
import { serializeRequest, translateRequest } from '../../src/translate/translate-request.js'
import { anthropicSse, CLAUDE_EVENTS, chatEvents } from './fixtures.js'

const toOpenAI = () => new ResponseTranslation({ client: 'openai', includeUsage: false, created: 1700000000 })
const toAnthropic = () => new ResponseTranslation({ client: 'anthropic', includeUsage: false, created: 0 })

describe('a whole response mapped for the client', () => {
  it('answers an Anthropic 529 to an OpenAI client as 503 in the OpenAI shape', () => {
    const t = toOpenAI()
    expect(t.head(529, false)).toEqual({ status: 503, streamed: false })
    expect(t.write(Buffer.from('{"type":"error","error":{"type":"overloaded_error",'))).toBe('')
    t.write(Buffer.from('"message":"Overloaded"}}'))
    const out = t.end() as { status: number; body: Buffer }
    expect(out.status).toBe(503)
    expect(JSON.parse(out.body.toString())).toEqual({
      error: { message: 'Overloaded', type: 'server_error', param: null, code: 'overloaded_error' },
    })
  })

  it('streams a 200 event stream per chunk and reports translated usage', () => {
    const t = toOpenAI()
    expect(t.head(200, true)).toEqual({ status: 200, streamed: true })
    const out = t.write(Buffer.from(anthropicSse(CLAUDE_EVENTS))) + (t.end() as string)
    expect(chatEvents(out).at(-1)).toBe('[DONE]')
    expect(t.counts).toEqual({ input: 25, output: 42, cacheRead: 100, cacheWrite: 5 })
    expect(t.failed).toBe(false)
  })

  it('maps a JSON chat completion for an Anthropic client once it is complete', () => {
    const t = toAnthropic()
    expect(t.head(200, false)).toEqual({ status: 200, streamed: false })
    t.write(
      Buffer.from('{"id":"c","model":"g","choices":[{"message":{"content":"hi"},"finish_reason":"length"}],'),
    )
    t.write(Buffer.from('"usage":{"prompt_tokens":3,"completion_tokens":1}}'))
    const out = t.end() as { status: number; body: Buffer }
    expect(JSON.parse(out.body.toString())).toMatchObject({
      type: 'message',
      content: [{ type: 'text', text: 'hi' }],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 3, output_tokens: 1 },
    })
    expect(t.counts).toEqual({ input: 3, output: 1, cacheRead: 0, cacheWrite: 0 })
  })

  it('answers 502 in the client shape when a 200 body is not what it should be', () => {
    const t = toAnthropic()
    t.head(200, false)
    t.write(Buffer.from('<html>'))
    const out = t.end() as { status: number; body: Buffer }
    expect(out.status).toBe(502)
    expect(JSON.parse(out.body.toString())).toEqual({
      type: 'error',
      error: {
        type: 'api_error',
        message:
          'VELOX_ERR_UPSTREAM_INVALID_RESPONSE: The upstream answered with a body that is not a chat completion',
      },
    })
  })
})

describe('the request of a translated attempt', () => {
  it('maps once and serializes per attempt with the candidate model', () => {
    const body = Buffer.from('{"model":"fast","messages":[{"role":"user","content":"hi"}]}')
    const request = translateRequest(body, 'chat', TRANSLATE_DEFAULTS)
    expect(JSON.parse(serializeRequest(request, 'claude-x').toString())).toEqual({
      model: 'claude-x',
      max_tokens: 4096,
      messages: [{ role: 'user', content: 'hi' }],
    })
    expect(JSON.parse(serializeRequest(request, undefined).toString()).model).toBe('fast')
  })

  it('refuses count_tokens for an OpenAI upstream with a 404', () => {
    expect(() => translateRequest(Buffer.from('{}'), 'count_tokens', TRANSLATE_DEFAULTS)).toThrow(
      expect.objectContaining({ code: 'VELOX_ERR_UNSUPPORTED_ENDPOINT', status: 404 }),
    )
  })
})

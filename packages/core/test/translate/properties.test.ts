/**
 * Property tests: generated chat requests survive chat -> Messages -> chat with every supported
 * field kept, and generated event streams re-chunked at random byte boundaries translate to the
 * same bytes as in one piece (UTF-8 characters split across chunks included).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { AnthropicToChatStream } from '../../src/translate/anthropic-stream-to-chat.js'
import { ChatToAnthropicStream } from '../../src/translate/chat-stream-to-anthropic.js'
import { chatToMessagesRequest } from '../../src/translate/chat-to-messages.js'
import { messagesToChatRequest } from '../../src/translate/messages-to-chat.js'
import type { StreamTranslator } from '../../src/translate/stream-translator.js'
import { TRANSLATE_DEFAULTS } from '../../src/translate/translate-options.js'
import { anthropicSse, chatEvents, chatSse } from './fixtures.js'

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/)
const jsonObject = fc.dictionary(name, fc.oneof(fc.integer(), fc.boolean(), text, fc.constant(null)), {
  maxKeys: 4,
})

const part = fc.oneof(
  text.map((t) => ({ type: 'text', text: t })),
  fc
    .base64String({ minLength: 4, maxLength: 16 })
    .map((d) => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${d}` } })),
  name.map((n) => ({ type: 'image_url', image_url: { url: `https://example.com/${n}.png` } })),
)
const userMessage = fc
  .oneof(text, fc.array(part, { minLength: 1, maxLength: 3 }))
  .map((content) => ({ role: 'user', content }))

let callId = 0
const toolExchange = fc
  .record({
    content: fc.option(text, { nil: null }),
    calls: fc.array(fc.record({ name, args: jsonObject, result: text }), { minLength: 1, maxLength: 3 }),
  })
  .map(({ content, calls }) => {
    const ids = calls.map(() => `call_${++callId}`)
    return [
      {
        role: 'assistant',
        content,
        tool_calls: calls.map((c, i) => ({
          id: ids[i],
          type: 'function',
          function: { name: c.name, arguments: JSON.stringify(c.args) },
        })),
      },
      ...calls.map((c, i) => ({ role: 'tool', tool_call_id: ids[i], content: c.result })),
    ]
  })
const exchange = fc
  .tuple(userMessage, fc.option(toolExchange, { nil: undefined }), text)
  .map(([u, tools, reply]) => [u, ...(tools ?? []), { role: 'assistant', content: reply }])

const chatRequest = fc
  .record(
    {
      system: text,
      exchanges: fc.array(exchange, { minLength: 0, maxLength: 3 }),
      last: userMessage,
      max_tokens: fc.integer({ min: 4097, max: 64000 }),
      temperature: fc.double({ min: 0, max: 1, noNaN: true }),
      top_p: fc.double({ min: 0, max: 1, noNaN: true }),
      stop: fc.array(text, { minLength: 1, maxLength: 4 }),
      user: text,
      tools: fc.uniqueArray(
        fc.record({ name, description: text, parameters: fc.constant({ type: 'object' }) }),
        {
          minLength: 1,
          maxLength: 3,
          selector: (t) => t.name,
        },
      ),
      choice: fc.constantFrom('auto', 'none', 'required', 'named'),
      parallel_tool_calls: fc.constant(false),
      reasoning_effort: fc.constantFrom('low', 'medium', 'high'),
      stream: fc.constant(true),
    },
    { requiredKeys: ['max_tokens', 'last'] },
  )
  .map(({ system, exchanges, last, tools, choice, ...rest }) => {
    const req: Record<string, unknown> = { model: 'claude-x', ...rest }
    req.messages = [
      ...(system === undefined ? [] : [{ role: 'system', content: system }]),
      ...(exchanges ?? []).flat(),
      last,
    ]
    if (tools !== undefined) {
      req.tools = tools.map((t) => ({ type: 'function', function: t }))
      if (choice !== undefined) {
        req.tool_choice =
          choice === 'named' ? { type: 'function', function: { name: tools[0].name } } : choice
      }
    } else {
      delete req.parallel_tool_calls
    }
    return req
  })

/** What the round trip cannot keep, by design (documented in docs/guide/providers.md). */
function normalize(req: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(req)
  if (out.parallel_tool_calls === false && out.tool_choice === undefined) out.tool_choice = 'auto'
  if (out.tool_choice === 'none') delete out.parallel_tool_calls
  if (out.stream === true) out.stream_options = { include_usage: true }
  return out
}

describe('properties', () => {
  it('chat -> Messages -> chat keeps every supported field', () => {
    fc.assert(
      fc.property(chatRequest, (req) => {
        const messages = chatToMessagesRequest(req, TRANSLATE_DEFAULTS)
        const back = messagesToChatRequest(messages.body, TRANSLATE_DEFAULTS)
        expect(back.body).toEqual(normalize(req))
      }),
      { numRuns: 300 },
    )
  })

  function split(bytes: Buffer, cuts: number[]): Buffer[] {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
    const pieces: Buffer[] = []
    let start = 0
    for (const point of points) {
      pieces.push(bytes.subarray(start, point))
      start = point
    }
    pieces.push(bytes.subarray(start))
    return pieces
  }

  function translateAll(make: () => StreamTranslator, pieces: Buffer[]): string {
    const translator = make()
    let out = ''
    for (const piece of pieces) out += translator.push(piece)
    return out + translator.end()
  }

  const cuts = fc.array(fc.nat(), { maxLength: 40 })

  const anthropicStream = fc
    .record({
      texts: fc.array(text, { maxLength: 6 }),
      args: jsonObject,
      pieces: fc.array(fc.nat(), { maxLength: 5 }),
    })
    .map(({ texts, args, pieces }) => {
      const json = JSON.stringify(args)
      const bounds = [...new Set([0, ...pieces.map((p) => p % (json.length + 1)), json.length])].sort(
        (a, b) => a - b,
      )
      const partials = bounds.slice(1).map((end, i) => json.slice(bounds[i], end))
      return {
        json,
        events: [
          {
            type: 'message_start',
            message: { id: 'msg_1', model: 'c', content: [], usage: { input_tokens: 3, output_tokens: 1 } },
          },
          { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
          { type: 'ping' },
          ...texts.map((t) => ({
            type: 'content_block_delta',
            index: 0,
            delta: { type: 'text_delta', text: t },
          })),
          { type: 'content_block_stop', index: 0 },
          {
            type: 'content_block_start',
            index: 1,
            content_block: { type: 'tool_use', id: 'toolu_1', name: 'f', input: {} },
          },
          ...partials.map((p) => ({
            type: 'content_block_delta',
            index: 1,
            delta: { type: 'input_json_delta', partial_json: p },
          })),
          { type: 'content_block_stop', index: 1 },
          { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } },
          { type: 'message_stop' },
        ],
      }
    })

  it('an Anthropic stream re-chunked at random byte boundaries translates to the same chat stream, arguments intact', () => {
    const make = () => new AnthropicToChatStream({ created: 1, includeUsage: true })
    fc.assert(
      fc.property(anthropicStream, cuts, ({ json, events }, at) => {
        const bytes = Buffer.from(anthropicSse(events))
        const whole = translateAll(make, [bytes])
        expect(translateAll(make, split(bytes, at))).toBe(whole)
        const chunks = chatEvents(whole) as any[]
        const args = chunks
          .flatMap((c) => c.choices?.[0]?.delta?.tool_calls ?? [])
          .map((t: any) => t.function.arguments)
          .join('')
        expect(args).toBe(json)
        expect(chunks.at(-1)).toBe('[DONE]')
      }),
      { numRuns: 300 },
    )
  })

  const chatStream = fc
    .record({ texts: fc.array(text, { maxLength: 6 }), args: jsonObject })
    .map(({ texts, args }) => {
      const json = JSON.stringify(args)
      const head = { id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'g' }
      const chunk = (delta: object, finish: string | null = null) => ({
        ...head,
        choices: [{ index: 0, delta, finish_reason: finish }],
      })
      const half = Math.floor(json.length / 2)
      return {
        json,
        chunks: [
          chunk({ role: 'assistant', content: '' }),
          ...texts.map((t) => chunk({ content: t })),
          chunk({
            tool_calls: [
              {
                index: 0,
                id: 'call_1',
                type: 'function',
                function: { name: 'f', arguments: json.slice(0, half) },
              },
            ],
          }),
          chunk({ tool_calls: [{ index: 0, function: { arguments: json.slice(half) } }] }),
          chunk({}, 'tool_calls'),
          { ...head, choices: [], usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 } },
        ],
      }
    })

  it('a chat stream re-chunked at random byte boundaries translates to the same Anthropic stream, arguments intact', () => {
    const make = () => new ChatToAnthropicStream()
    fc.assert(
      fc.property(chatStream, cuts, ({ json, chunks }, at) => {
        const bytes = Buffer.from(chatSse(chunks))
        const whole = translateAll(make, [bytes])
        expect(translateAll(make, split(bytes, at))).toBe(whole)
        const partials = [...whole.matchAll(/"partial_json":("(?:[^"\\]|\\.)*")/g)].map((m) =>
          JSON.parse(m[1]),
        )
        expect(partials.join('')).toBe(json)
        expect(whole.endsWith('event: message_stop\ndata: {"type":"message_stop"}\n\n')).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
})

import { describe, expect, it } from 'vitest'
import { UsageCapture } from '../src/stages/usage.js'

/** Feeds `text` to a capture cut into pieces of `size` bytes, the way a socket might deliver it. */
function capture(text: string, eventStream: boolean, size: number) {
  const bytes = Buffer.from(text)
  const usage = new UsageCapture(eventStream)
  for (let i = 0; i < bytes.length; i += size) usage.onChunk(bytes.subarray(i, i + size))
  return usage.finish()
}

const CUTS = [1, 3, 7, 64, 100_000]

describe('UsageCapture', () => {
  it('reads an OpenAI chat stream with include_usage, however it is cut', () => {
    const chunk = (content: string) =>
      `data: {"id":"c","choices":[{"delta":{"content":${JSON.stringify(content)}}}],"usage":null}\n\n`
    const text =
      chunk('Hello') +
      chunk(' "usage": {"prompt_tokens":999}') +
      'data: {"id":"c","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":34,"total_tokens":46}}\n\n' +
      'data: [DONE]\n\n'
    for (const size of CUTS) expect(capture(text, true, size)).toEqual({ inputTokens: 12, outputTokens: 34 })
  })

  it('reads the Responses API completed event', () => {
    const text =
      'event: response.created\ndata: {"type":"response.created","response":{"usage":null}}\n\n' +
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"hi"}\n\n' +
      'event: response.completed\ndata: {"type":"response.completed","response":{"id":"r","usage":{"input_tokens":5,"output_tokens":9,"total_tokens":14}}}\n\n'
    for (const size of CUTS) expect(capture(text, true, size)).toEqual({ inputTokens: 5, outputTokens: 9 })
  })

  it('reads Anthropic message_start and message_delta', () => {
    const text =
      'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":25,"output_tokens":1}}}\n\n' +
      'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"x"}}\n\n' +
      'event: message_delta\ndata:{"type":"message_delta","delta":{},"usage":{"output_tokens":15}}\n\n'
    for (const size of CUTS) expect(capture(text, true, size)).toEqual({ inputTokens: 25, outputTokens: 15 })
  })

  it('reads the usage at the end of a JSON body, even after 1 MB of content', () => {
    const text = JSON.stringify({
      choices: [{ message: { content: `${'x'.repeat(1024 * 1024)} \\"usage\\": {"prompt_tokens":1}` } }],
      usage: {
        prompt_tokens: 7,
        completion_tokens: 8,
        total_tokens: 15,
        completion_tokens_details: { a: 1 },
      },
      system_fingerprint: 'fp',
    })
    for (const size of [7, 4096, 65_536])
      expect(capture(text, false, size)).toEqual({ inputTokens: 7, outputTokens: 8 })
  })

  it('reads embeddings usage (input only)', () => {
    const text = '{"object":"list","data":[],"model":"m","usage":{"prompt_tokens":4,"total_tokens":4}}'
    expect(capture(text, false, 5)).toEqual({ inputTokens: 4, outputTokens: undefined })
  })

  it('leaves usage unknown when there is none', () => {
    expect(capture('{"error":{"message":"nope"}}', false, 3)).toEqual({
      inputTokens: undefined,
      outputTokens: undefined,
    })
    expect(capture('data: {"usage":null}\n\ndata: [DONE]\n\n', true, 3)).toEqual({
      inputTokens: undefined,
      outputTokens: undefined,
    })
  })
})

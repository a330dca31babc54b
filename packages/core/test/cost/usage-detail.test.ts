import { describe, expect, it } from 'vitest'
import { emptyUsage, readUsageDetail } from '../../src/usage/usage-detail.js'

describe('readUsageDetail', () => {
  it('reads OpenAI chat usage with cached and reasoning tokens', () => {
    expect(
      readUsageDetail({
        prompt_tokens: 100,
        completion_tokens: 40,
        total_tokens: 140,
        prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 30 },
      }),
    ).toEqual({
      inputTokens: 100,
      outputTokens: 40,
      cachedInputTokens: 64,
      cacheWriteTokens: undefined,
      reasoningTokens: 30,
    })
  })

  it('reads Responses API usage', () => {
    expect(
      readUsageDetail({
        input_tokens: 10,
        output_tokens: 7,
        input_tokens_details: { cached_tokens: 2 },
        output_tokens_details: { reasoning_tokens: 3 },
      }),
    ).toEqual({
      inputTokens: 10,
      outputTokens: 7,
      cachedInputTokens: 2,
      cacheWriteTokens: undefined,
      reasoningTokens: 3,
    })
  })

  it('adds Anthropic message_start and message_delta, counting cache reads and writes as input', () => {
    const usage = emptyUsage()
    readUsageDetail(
      { input_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 },
      usage,
    )
    readUsageDetail({ output_tokens: 15 }, usage)
    expect(usage).toEqual({
      inputTokens: 125,
      outputTokens: 15,
      cachedInputTokens: 100,
      cacheWriteTokens: 20,
      reasoningTokens: undefined,
    })
  })

  it('ignores what is not a count', () => {
    expect(readUsageDetail({ prompt_tokens: -1, completion_tokens: 'x' })).toEqual(emptyUsage())
    expect(readUsageDetail(null)).toEqual(emptyUsage())
  })
})

describe('UsageCapture with detail', () => {
  it('reads Anthropic cache reads and writes from a stream, and OpenAI details from JSON', async () => {
    const { UsageCapture } = await import('../../src/stages/usage.js')
    const sse = new UsageCapture(true)
    sse.onChunk(
      Buffer.from(
        'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"cache_read_input_tokens":40,"cache_creation_input_tokens":7,"output_tokens":1}}}\n\n' +
          'event: message_delta\ndata: {"type":"message_delta","delta":{},"usage":{"output_tokens":9}}\n\n',
      ),
    )
    expect(sse.finish()).toEqual({
      inputTokens: 50,
      outputTokens: 9,
      cachedInputTokens: 40,
      cacheWriteTokens: 7,
      reasoningTokens: undefined,
    })
    const json = new UsageCapture(false)
    json.onChunk(
      Buffer.from(
        '{"id":"x","usage":{"prompt_tokens":20,"completion_tokens":8,"prompt_tokens_details":{"cached_tokens":16},"completion_tokens_details":{"reasoning_tokens":5}}}',
      ),
    )
    expect(json.finish()).toEqual({
      inputTokens: 20,
      outputTokens: 8,
      cachedInputTokens: 16,
      cacheWriteTokens: undefined,
      reasoningTokens: 5,
    })
  })
})

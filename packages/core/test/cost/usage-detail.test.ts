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

/**
 * Token usage in both vocabularies, so rate limits and usage events count a Claude call like an
 * OpenAI one. Anthropic's `input_tokens` excludes cache reads and writes; OpenAI's `prompt_tokens`
 * includes cached tokens (`prompt_tokens_details.cached_tokens`). So prompt tokens are the sum of
 * the three, and the cache counts travel in `prompt_tokens_details` (`cached_tokens` for reads,
 * `cache_creation_tokens` for writes, which OpenAI has no name for).
 */
import { isObject, type JsonObject } from './json-value.js'

/** Counts both formats agree on, after translation. */
export interface TokenCounts {
  readonly input: number
  readonly output: number
  readonly cacheRead: number
  readonly cacheWrite: number
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0
}

/** Reads an Anthropic `usage` object (message, message_start or message_delta). */
export function anthropicCounts(usage: unknown): TokenCounts {
  const u = isObject(usage) ? usage : {}
  return {
    input: count(u.input_tokens),
    output: count(u.output_tokens),
    cacheRead: count(u.cache_read_input_tokens),
    cacheWrite: count(u.cache_creation_input_tokens),
  }
}

/** Reads an OpenAI chat `usage` object; `input` excludes the cache counts, as Anthropic's does. */
export function chatCounts(usage: unknown): TokenCounts {
  const u = isObject(usage) ? usage : {}
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {}
  const cacheRead = count(details.cached_tokens)
  const cacheWrite = count(details.cache_creation_tokens)
  return {
    input: Math.max(0, count(u.prompt_tokens) - cacheRead - cacheWrite),
    output: count(u.completion_tokens),
    cacheRead,
    cacheWrite,
  }
}

/**
 * The chat `usage` object for counts.
 *
 * @example
 * chatUsage({ input: 10, output: 5, cacheRead: 90, cacheWrite: 0 }).prompt_tokens // 100
 */
export function chatUsage(counts: TokenCounts): JsonObject {
  const prompt = counts.input + counts.cacheRead + counts.cacheWrite
  return {
    prompt_tokens: prompt,
    completion_tokens: counts.output,
    total_tokens: prompt + counts.output,
    prompt_tokens_details: { cached_tokens: counts.cacheRead, cache_creation_tokens: counts.cacheWrite },
  }
}

/** The Anthropic `usage` object for counts. */
export function anthropicUsage(counts: TokenCounts): JsonObject {
  return {
    input_tokens: counts.input,
    cache_creation_input_tokens: counts.cacheWrite,
    cache_read_input_tokens: counts.cacheRead,
    output_tokens: counts.output,
  }
}

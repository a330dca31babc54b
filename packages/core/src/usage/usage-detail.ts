/**
 * Usage in one shape, whatever the format reported it in, with the detail that cost depends on:
 * cached input (billed at a discount), cache writes (Anthropic bills them at a premium) and
 * reasoning tokens (already inside the output count, reported apart for metrics). The formats
 * disagree on what "input" means: OpenAI's `prompt_tokens` includes the cached part, Anthropic's
 * `input_tokens` excludes cache reads and writes. Here `inputTokens` always means every input
 * token, cached and written included, so `inputTokens - cachedInputTokens - cacheWriteTokens` is
 * the part billed at the plain input price in both.
 */

export interface UsageDetail {
  /** Every input token (OpenAI prompt_tokens; Anthropic input + cache read + cache write). */
  inputTokens: number | undefined
  outputTokens: number | undefined
  /** Input tokens read from a prompt cache (OpenAI cached_tokens; Anthropic cache_read_input_tokens). */
  cachedInputTokens: number | undefined
  /** Input tokens written to a prompt cache (Anthropic cache_creation_input_tokens). */
  cacheWriteTokens: number | undefined
  /** Output tokens spent on reasoning (completion_tokens_details / output_tokens_details). */
  reasoningTokens: number | undefined
}

/** Usage as a reader may report it: the two counts, and the detail when it has it. */
export type UsageLike = Pick<UsageDetail, 'inputTokens' | 'outputTokens'> &
  Partial<Pick<UsageDetail, 'cachedInputTokens' | 'cacheWriteTokens' | 'reasoningTokens'>>

export function emptyUsage(): UsageDetail {
  return {
    inputTokens: undefined,
    outputTokens: undefined,
    cachedInputTokens: undefined,
    cacheWriteTokens: undefined,
    reasoningTokens: undefined,
  }
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined
}

function nested(u: Record<string, unknown>, object: string, field: string): number | undefined {
  const o = u[object]
  return typeof o === 'object' && o !== null ? count((o as Record<string, unknown>)[field]) : undefined
}

/**
 * Reads one `usage` object into `into` (a field the object does not give keeps its value, so the
 * Anthropic pair message_start then message_delta adds up). Returns `into`.
 *
 * @example
 * readUsageDetail({ prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } })
 * // { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4, cacheWriteTokens: undefined, reasoningTokens: undefined }
 */
export function readUsageDetail(usage: unknown, into: UsageDetail = emptyUsage()): UsageDetail {
  if (typeof usage !== 'object' || usage === null) return into
  const u = usage as Record<string, unknown>
  const read = count(u.cache_read_input_tokens)
  const write = count(u.cache_creation_input_tokens)
  if (read !== undefined || write !== undefined) {
    // Anthropic: input_tokens counts only what is neither read from nor written to the cache.
    into.cachedInputTokens = read ?? into.cachedInputTokens
    into.cacheWriteTokens = write ?? into.cacheWriteTokens
    const plain = count(u.input_tokens)
    if (plain !== undefined) into.inputTokens = plain + (read ?? 0) + (write ?? 0)
  } else {
    into.inputTokens = count(u.prompt_tokens ?? u.input_tokens) ?? into.inputTokens
    into.cachedInputTokens =
      nested(u, 'prompt_tokens_details', 'cached_tokens') ??
      nested(u, 'input_tokens_details', 'cached_tokens') ??
      into.cachedInputTokens
  }
  into.outputTokens = count(u.completion_tokens ?? u.output_tokens) ?? into.outputTokens
  into.reasoningTokens =
    nested(u, 'completion_tokens_details', 'reasoning_tokens') ??
    nested(u, 'output_tokens_details', 'reasoning_tokens') ??
    into.reasoningTokens
  return into
}

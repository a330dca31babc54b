/**
 * Why a reply ended, in both vocabularies. Anthropic distinguishes more reasons than OpenAI
 * (`pause_turn`, `refusal`, a context window reached), so the chat side folds them onto the
 * nearest `finish_reason`; the reverse cannot tell a stop sequence from a natural end (OpenAI does
 * not say which), so `stop` maps back to `end_turn`.
 */

const TO_FINISH: Readonly<Record<string, string>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop', // a server tool paused the turn: the client continues it with another request
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
}

const TO_STOP: Readonly<Record<string, string>> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  function_call: 'tool_use',
  content_filter: 'refusal',
}

/**
 * An Anthropic `stop_reason` as a chat `finish_reason` (unknown reasons become `stop`).
 *
 * @example
 * finishReason('tool_use') // 'tool_calls'
 */
export function finishReason(stopReason: unknown): string | null {
  if (typeof stopReason !== 'string') return null
  return TO_FINISH[stopReason] ?? 'stop'
}

/**
 * A chat `finish_reason` as an Anthropic `stop_reason` (unknown reasons become `end_turn`).
 *
 * @example
 * stopReason('length') // 'max_tokens'
 */
export function stopReason(finish: unknown): string | null {
  if (typeof finish !== 'string') return null
  return TO_STOP[finish] ?? 'end_turn'
}

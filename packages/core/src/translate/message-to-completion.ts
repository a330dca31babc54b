/**
 * An Anthropic `message` response as an OpenAI `chat.completion`. Text blocks join into
 * `message.content`, `tool_use` blocks become `tool_calls` keeping their ids (the client sends
 * them back as `tool_call_id`), thinking text goes to `reasoning_content` (the name
 * OpenAI-compatible servers use for it), and usage is re-counted as OpenAI counts it.
 */
import { invalidUpstream, isObject, type JsonObject } from './json-value.js'
import { finishReason } from './stop-reason.js'
import { anthropicCounts, chatUsage, type TokenCounts } from './usage-map.js'

/** A translated response body and the usage read from it. */
export interface TranslatedResponse {
  readonly body: JsonObject
  readonly counts: TokenCounts
}

/**
 * Translates a Messages response; `created` is the unix second to stamp (Anthropic sends none).
 * Throws a VeloxError (502) when the body is not a message.
 *
 * @example
 * messageToCompletion({ type: 'message', id: 'msg_1', model: 'claude-x', content: [{ type: 'text', text: 'hi' }],
 *   stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 1 } }, 1700000000).body.choices[0].message.content // 'hi'
 */
export function messageToCompletion(message: unknown, created: number): TranslatedResponse {
  if (!isObject(message) || !Array.isArray(message.content)) {
    throw invalidUpstream('The upstream answered with a body that is not an Anthropic message')
  }
  let text = ''
  let reasoning = ''
  const calls: JsonObject[] = []
  for (const block of message.content) {
    if (!isObject(block)) continue
    if (block.type === 'text' && typeof block.text === 'string') text += block.text
    else if (block.type === 'thinking' && typeof block.thinking === 'string') reasoning += block.thinking
    else if (block.type === 'tool_use') {
      const args = JSON.stringify(block.input ?? {})
      calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } })
    }
  }
  const reply: JsonObject = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text }
  if (reasoning !== '') reply.reasoning_content = reasoning
  if (calls.length > 0) reply.tool_calls = calls
  reply.refusal = null
  const counts = anthropicCounts(message.usage)
  const body = {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [{ index: 0, message: reply, logprobs: null, finish_reason: finishReason(message.stop_reason) }],
    usage: chatUsage(counts),
  }
  return { body, counts }
}

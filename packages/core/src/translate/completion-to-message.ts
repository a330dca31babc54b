/**
 * An OpenAI `chat.completion` response as an Anthropic `message`: the first choice's text becomes
 * a text block, its tool calls `tool_use` blocks with parsed arguments (arguments that are not a
 * JSON object make the response untranslatable: an Anthropic client cannot receive them), and
 * usage is re-counted as Anthropic counts it (cache reads outside `input_tokens`).
 */
import { invalidUpstream, isObject, type JsonObject, parseObject } from './json-value.js'
import type { TranslatedResponse } from './message-to-completion.js'
import { stopReason } from './stop-reason.js'
import { anthropicUsage, chatCounts } from './usage-map.js'

function toolUse(call: unknown): JsonObject {
  const fn = isObject(call) && isObject(call.function) ? call.function : undefined
  const args = fn !== undefined && typeof fn.arguments === 'string' ? fn.arguments : undefined
  const input = args === undefined ? undefined : args.trim() === '' ? {} : parseObject(args)
  if (!isObject(call) || fn === undefined || input === undefined) {
    throw invalidUpstream('The upstream sent tool call arguments that are not a JSON object')
  }
  return { type: 'tool_use', id: call.id, name: fn.name, input }
}

/**
 * Translates a chat completion; throws a VeloxError (502) when it is not one.
 *
 * @example
 * completionToMessage({ id: 'chatcmpl-1', object: 'chat.completion', model: 'gpt-4o',
 *   choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }).body.content
 * // [{ type: 'text', text: 'hi' }]
 */
export function completionToMessage(completion: unknown): TranslatedResponse {
  const choice = isObject(completion) && Array.isArray(completion.choices) ? completion.choices[0] : undefined
  const reply = isObject(choice) ? choice.message : undefined
  if (!isObject(completion) || !isObject(choice) || !isObject(reply)) {
    throw invalidUpstream('The upstream answered with a body that is not a chat completion')
  }
  const content: JsonObject[] = []
  if (typeof reply.content === 'string' && reply.content !== '')
    content.push({ type: 'text', text: reply.content })
  if (Array.isArray(reply.tool_calls)) for (const call of reply.tool_calls) content.push(toolUse(call))
  const counts = chatCounts(completion.usage)
  const body = {
    id: completion.id,
    type: 'message',
    role: 'assistant',
    model: completion.model,
    content,
    stop_reason: stopReason(choice.finish_reason) ?? 'end_turn',
    stop_sequence: null,
    usage: anthropicUsage(counts),
  }
  return { body, counts }
}

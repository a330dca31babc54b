/**
 * An Anthropic Messages request as an OpenAI chat completion request (POST /v1/messages -> POST
 * /v1/chat/completions), for Anthropic clients (Claude Code, the Anthropic SDK) on an
 * OpenAI-compatible model. A stream always asks for the usage chunk, because Anthropic's
 * `message_delta` must carry output tokens. `cache_control` is a hint with no OpenAI form and is
 * dropped; other fields without an equivalent (`top_k`, server tools, `container`...) are
 * refused with a 400 naming them unless an option drops them.
 */
import { anthropicToChatMessages } from './anthropic-messages.js'
import type { TranslatedRequest } from './chat-to-messages.js'
import {
  invalidField,
  isObject,
  type JsonObject,
  optionalCount,
  optionalNumber,
  present,
  unsupportedField,
} from './json-value.js'
import { effortForBudget } from './reasoning-budget.js'
import { anthropicToolChoiceToChat, anthropicToolsToChat } from './tools-map.js'
import type { TranslateOptions } from './translate-options.js'

const MAPPED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'temperature',
  'top_p',
  'stop_sequences',
  'metadata',
  'stream',
  'tools',
  'tool_choice',
  'thinking',
  'cache_control',
])

function checkUnmapped(body: JsonObject, options: TranslateOptions): void {
  for (const name of Object.keys(body)) {
    if (MAPPED.has(name) || options.ignoreFields.has(name) || !present(body[name])) continue
    throw unsupportedField(name, 'OpenAI-compatible')
  }
}

function reasoningEffort(thinking: unknown): string | undefined {
  if (!present(thinking)) return undefined
  if (!isObject(thinking)) throw invalidField('thinking', "'thinking' must be an object")
  if (thinking.type !== 'enabled') return undefined
  const budget = thinking.budget_tokens
  if (typeof budget !== 'number')
    throw invalidField('thinking.budget_tokens', "'thinking.budget_tokens' must be a number")
  return effortForBudget(budget)
}

function copySampling(body: JsonObject, out: JsonObject): void {
  const temperature = optionalNumber(body, 'temperature')
  if (temperature !== undefined) out.temperature = temperature
  const topP = optionalNumber(body, 'top_p')
  if (topP !== undefined) out.top_p = topP
  const stop = body.stop_sequences
  if (present(stop)) {
    if (!Array.isArray(stop) || !stop.every((s) => typeof s === 'string')) {
      throw invalidField('stop_sequences', "'stop_sequences' must be an array of strings")
    }
    out.stop = stop
  }
  const metadata = body.metadata
  if (isObject(metadata) && typeof metadata.user_id === 'string') out.user = metadata.user_id
}

/**
 * Translates a Messages request; throws a VeloxError (400) naming the field that does not map.
 *
 * @example
 * messagesToChatRequest({ model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }, TRANSLATE_DEFAULTS).body
 * // { model: 'gpt-4o', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }
 */
export function messagesToChatRequest(body: JsonObject, options: TranslateOptions): TranslatedRequest {
  checkUnmapped(body, options)
  if (typeof body.model !== 'string') throw invalidField('model', "'model' must be a string")
  const max = optionalCount(body, 'max_tokens')
  if (max === undefined) throw invalidField('max_tokens', "'max_tokens' is required")
  const out: JsonObject = { model: body.model, max_tokens: max }
  out.messages = anthropicToChatMessages(body.system, body.messages)
  copySampling(body, out)
  if (present(body.tools)) out.tools = anthropicToolsToChat(body.tools)
  const { choice, parallel } = anthropicToolChoiceToChat(body.tool_choice)
  if (choice !== undefined) out.tool_choice = choice
  if (parallel !== undefined) out.parallel_tool_calls = parallel
  const effort = reasoningEffort(body.thinking)
  if (effort !== undefined) out.reasoning_effort = effort
  if (present(body.stream) && typeof body.stream !== 'boolean')
    throw invalidField('stream', "'stream' must be a boolean")
  const stream = body.stream === true
  if (stream) {
    out.stream = true
    out.stream_options = { include_usage: true }
  }
  return { body: out, stream, includeUsage: stream }
}

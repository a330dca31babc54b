/**
 * An OpenAI chat completion request as an Anthropic Messages request (POST /v1/chat/completions ->
 * POST /v1/messages). Every field is either mapped, accepted at a value that changes nothing
 * (`n: 1`, `logprobs: false`, a zero penalty), dropped because an option names it, or refused with
 * a 400 naming it: a gateway that silently dropped `n: 3` would answer a different question than
 * the one asked. `max_tokens` is required by Anthropic: the client's wins, else the option's default.
 */
import { chatMessagesToAnthropic } from './chat-messages.js'
import {
  invalidField,
  isObject,
  type JsonObject,
  optionalCount,
  optionalNumber,
  optionalString,
  present,
  unsupportedField,
} from './json-value.js'
import { EFFORT_BUDGETS } from './reasoning-budget.js'
import { chatToolChoiceToAnthropic, chatToolsToAnthropic } from './tools-map.js'
import type { TranslateOptions } from './translate-options.js'

/** A translated request and what the response side must know about it. */
export interface TranslatedRequest {
  readonly body: JsonObject
  readonly stream: boolean
  /** The client asked for a usage chunk (`stream_options.include_usage`). */
  readonly includeUsage: boolean
}

/** Fields read below; any other field must pass {@link isNeutral} or be ignored by option. */
const MAPPED = new Set([
  'model',
  'messages',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'user',
  'stream',
  'stream_options',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'reasoning_effort',
  'response_format',
])

/** Values of unmappable fields that ask for nothing beyond the default. */
function isNeutral(name: string, value: unknown): boolean {
  if (value === null || value === undefined) return true
  if (name === 'n') return value === 1
  if (name === 'logprobs') return value === false
  if (name === 'frequency_penalty' || name === 'presence_penalty') return value === 0
  if (name === 'modalities') return Array.isArray(value) && value.length === 1 && value[0] === 'text'
  return false
}

function checkUnmapped(body: JsonObject, options: TranslateOptions): void {
  for (const name of Object.keys(body)) {
    if (MAPPED.has(name) || options.ignoreFields.has(name) || isNeutral(name, body[name])) continue
    throw unsupportedField(name, 'Anthropic')
  }
}

function stopSequences(stop: unknown): string[] | undefined {
  if (!present(stop)) return undefined
  if (typeof stop === 'string') return [stop]
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return stop as string[]
  throw invalidField('stop', "'stop' must be a string or an array of strings")
}

function outputFormat(format: unknown, options: TranslateOptions): JsonObject | undefined {
  if (!present(format) || options.ignoreFields.has('response_format')) return undefined
  if (!isObject(format)) throw invalidField('response_format', "'response_format' must be an object")
  if (format.type === 'text') return undefined
  const schema = isObject(format.json_schema) ? format.json_schema.schema : undefined
  if (format.type === 'json_schema' && isObject(schema)) return { type: 'json_schema', schema }
  throw unsupportedField('response_format', 'Anthropic', 'only json_schema with a schema maps')
}

function thinkingBudget(body: JsonObject): number | undefined {
  const effort = optionalString(body, 'reasoning_effort')
  if (effort === undefined || effort === 'none') return undefined
  const budget = EFFORT_BUDGETS[effort]
  if (budget === undefined)
    throw invalidField('reasoning_effort', `Unknown reasoning_effort ${JSON.stringify(effort)}`)
  return budget
}

function maxTokens(body: JsonObject, budget: number | undefined, options: TranslateOptions): number {
  const set = optionalCount(body, 'max_completion_tokens') ?? optionalCount(body, 'max_tokens')
  if (set === undefined) return options.defaultMaxTokens + (budget ?? 0)
  if (budget !== undefined && set <= budget) {
    const name = present(body.max_completion_tokens) ? 'max_completion_tokens' : 'max_tokens'
    throw invalidField(
      name,
      `'${name}' must be larger than the thinking budget of the reasoning_effort (${budget})`,
    )
  }
  return set
}

function sampling(body: JsonObject, out: JsonObject): void {
  const temperature = optionalNumber(body, 'temperature')
  if (temperature !== undefined) {
    if (temperature > 1) throw unsupportedField('temperature', 'Anthropic', 'Anthropic accepts 0 to 1')
    out.temperature = temperature
  }
  const topP = optionalNumber(body, 'top_p')
  if (topP !== undefined) out.top_p = topP
}

/**
 * Translates a chat completion request; throws a VeloxError (400) naming the field that does not map.
 *
 * @example
 * chatToMessagesRequest({ model: 'claude-x', messages: [{ role: 'user', content: 'hi' }] }, TRANSLATE_DEFAULTS).body
 * // { model: 'claude-x', max_tokens: 4096, messages: [{ role: 'user', content: 'hi' }] }
 */
export function chatToMessagesRequest(body: JsonObject, options: TranslateOptions): TranslatedRequest {
  checkUnmapped(body, options)
  if (typeof body.model !== 'string') throw invalidField('model', "'model' must be a string")
  const { system, messages } = chatMessagesToAnthropic(body.messages)
  const budget = thinkingBudget(body)
  const out: JsonObject = { model: body.model, max_tokens: maxTokens(body, budget, options) }
  if (system !== undefined) out.system = system
  out.messages = messages
  sampling(body, out)
  const stop = stopSequences(body.stop)
  if (stop !== undefined) out.stop_sequences = stop
  const user = optionalString(body, 'user')
  if (user !== undefined) out.metadata = { user_id: user }
  if (present(body.tools)) out.tools = chatToolsToAnthropic(body.tools)
  const choice = chatToolChoiceToAnthropic(body.tool_choice, body.parallel_tool_calls)
  if (choice !== undefined && (out.tools !== undefined || choice.type === 'none')) out.tool_choice = choice
  if (budget !== undefined) out.thinking = { type: 'enabled', budget_tokens: budget }
  const format = outputFormat(body.response_format, options)
  if (format !== undefined) out.output_config = { format }
  const stream = body.stream === true
  if (present(body.stream) && typeof body.stream !== 'boolean')
    throw invalidField('stream', "'stream' must be a boolean")
  if (stream) out.stream = true
  const streamOptions = body.stream_options
  const includeUsage = stream && isObject(streamOptions) && streamOptions.include_usage === true
  return { body: out, stream, includeUsage }
}

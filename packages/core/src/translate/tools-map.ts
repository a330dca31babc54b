/**
 * Tool definitions and tool choice in both vocabularies. OpenAI wraps a tool as
 * `{type:'function', function:{name, description, parameters}}`; Anthropic flattens it to
 * `{name, description, input_schema}`. `required` is Anthropic's `any`, a named function its
 * `tool`, and `parallel_tool_calls: false` rides on the choice as `disable_parallel_tool_use`
 * (`none` carries no such flag). Anthropic's server tools (web search, bash...) have no OpenAI
 * form and are refused.
 */
import { invalidField, isObject, type JsonObject, unsupportedField } from './json-value.js'

const EMPTY_SCHEMA = { type: 'object', properties: {} }

/** Chat `tools` as Anthropic `tools`. */
export function chatToolsToAnthropic(tools: unknown): JsonObject[] {
  if (!Array.isArray(tools)) throw invalidField('tools', "'tools' must be an array")
  return tools.map((tool, index) => {
    const param = `tools[${index}]`
    if (!isObject(tool)) throw invalidField(param, `'${param}' must be an object`)
    if (tool.type !== 'function')
      throw unsupportedField(`${param}.type`, 'Anthropic', 'only function tools map')
    const fn = isObject(tool.function) ? tool.function : {}
    if (typeof fn.name !== 'string') throw invalidField(`${param}.function.name`, 'A tool needs a name')
    const out: JsonObject = { name: fn.name }
    if (typeof fn.description === 'string') out.description = fn.description
    out.input_schema = isObject(fn.parameters) ? fn.parameters : EMPTY_SCHEMA
    return out
  })
}

/** Anthropic `tools` as chat `tools`. */
export function anthropicToolsToChat(tools: unknown): JsonObject[] {
  if (!Array.isArray(tools)) throw invalidField('tools', "'tools' must be an array")
  return tools.map((tool, index) => {
    const param = `tools[${index}]`
    if (!isObject(tool)) throw invalidField(param, `'${param}' must be an object`)
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      throw unsupportedField(`${param}.type`, 'OpenAI-compatible', `server tool ${JSON.stringify(tool.type)}`)
    }
    if (typeof tool.name !== 'string') throw invalidField(`${param}.name`, 'A tool needs a name')
    const fn: JsonObject = { name: tool.name }
    if (typeof tool.description === 'string') fn.description = tool.description
    fn.parameters = isObject(tool.input_schema) ? tool.input_schema : EMPTY_SCHEMA
    return { type: 'function', function: fn }
  })
}

/**
 * Chat `tool_choice` and `parallel_tool_calls` as an Anthropic `tool_choice` (undefined: send none).
 *
 * @example
 * chatToolChoiceToAnthropic('required', false) // { type: 'any', disable_parallel_tool_use: true }
 */
export function chatToolChoiceToAnthropic(choice: unknown, parallel: unknown): JsonObject | undefined {
  let out: JsonObject | undefined
  if (choice === undefined || choice === null) out = undefined
  else if (choice === 'auto') out = { type: 'auto' }
  else if (choice === 'none') return { type: 'none' }
  else if (choice === 'required') out = { type: 'any' }
  else if (isObject(choice) && choice.type === 'function' && isObject(choice.function)) {
    if (typeof choice.function.name !== 'string')
      throw invalidField('tool_choice.function.name', 'A name is needed')
    out = { type: 'tool', name: choice.function.name }
  } else {
    throw unsupportedField('tool_choice', 'Anthropic', `tool_choice ${JSON.stringify(choice)}`)
  }
  if (parallel === false) return { ...(out ?? { type: 'auto' }), disable_parallel_tool_use: true }
  if (parallel !== undefined && parallel !== null && typeof parallel !== 'boolean') {
    throw invalidField('parallel_tool_calls', "'parallel_tool_calls' must be a boolean")
  }
  return out
}

/** An Anthropic `tool_choice` as chat `tool_choice` and `parallel_tool_calls`. */
export function anthropicToolChoiceToChat(choice: unknown): { choice?: unknown; parallel?: boolean } {
  if (choice === undefined || choice === null) return {}
  if (!isObject(choice)) throw invalidField('tool_choice', "'tool_choice' must be an object")
  const parallel = choice.disable_parallel_tool_use === true ? { parallel: false } : {}
  if (choice.type === 'auto') return { choice: 'auto', ...parallel }
  if (choice.type === 'none') return { choice: 'none' }
  if (choice.type === 'any') return { choice: 'required', ...parallel }
  if (choice.type === 'tool' && typeof choice.name === 'string') {
    return { choice: { type: 'function', function: { name: choice.name } }, ...parallel }
  }
  throw unsupportedField(
    'tool_choice',
    'OpenAI-compatible',
    `tool_choice type ${JSON.stringify(choice.type)}`,
  )
}

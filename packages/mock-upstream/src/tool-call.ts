/**
 * Tool calls in the chat mode: when `tool_choice` forces a tool (`required`: the first one, or a
 * named function) the reply is one call of it with arguments `{"query": <last user text>}`,
 * streamed as three argument pieces after a first chunk carrying its index, id and name, as the
 * real API does. With `auto` (or none) the mock answers text, as a model that needs no tool would.
 */
import { isJsonObject, type JsonObject } from './fields.js'

/** A forced tool call and the pieces its arguments stream in. */
export interface ForcedToolCall {
  readonly id: string
  readonly name: string
  readonly arguments: string
  readonly pieces: string[]
}

function toolName(body: JsonObject): string | undefined {
  const tools = body.tools
  if (!Array.isArray(tools) || tools.length === 0) return undefined
  const choice = body.tool_choice
  if (isJsonObject(choice) && isJsonObject(choice.function) && typeof choice.function.name === 'string') {
    return choice.function.name
  }
  const first = tools[0]
  if (choice !== 'required' || !isJsonObject(first) || !isJsonObject(first.function)) return undefined
  return typeof first.function.name === 'string' ? first.function.name : undefined
}

/** The call the reply makes, or undefined when the request does not force one. */
export function forcedToolCall(body: JsonObject, prompt: string, hex: string): ForcedToolCall | undefined {
  const name = toolName(body)
  if (name === undefined) return undefined
  const args = JSON.stringify({ query: prompt })
  const third = Math.ceil(args.length / 3)
  const pieces = [args.slice(0, third), args.slice(third, 2 * third), args.slice(2 * third)].filter(
    (p) => p !== '',
  )
  return { id: `call_${hex.slice(0, 24)}`, name, arguments: args, pieces }
}

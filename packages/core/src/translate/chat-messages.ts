/**
 * Chat `messages` -> Messages `system` + `messages`. Anthropic keeps instructions out of the turn
 * list and wants tool results as `tool_result` blocks inside a user turn, so: leading system and
 * developer messages are hoisted into `system` (one later in the conversation is refused: hoisting
 * it would move it); tool messages become `tool_result` blocks of a user turn, each checked against
 * the tool calls made before it; assistant tool calls become `tool_use` blocks with their parsed
 * arguments; consecutive turns of one role are merged into one turn, tool results first.
 */
import { chatContentToBlocks } from './chat-content.js'
import { chatText } from './content-parts.js'
import { invalidField, isObject, type JsonObject, unsupportedField } from './json-value.js'

/** The Anthropic form of a chat conversation. */
export interface AnthropicConversation {
  readonly system: string | JsonObject[] | undefined
  readonly messages: JsonObject[]
}

interface Turn {
  role: 'user' | 'assistant'
  content: string | JsonObject[]
}

function asBlocks(content: string | JsonObject[]): JsonObject[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content
}

function pushTurn(turns: Turn[], turn: Turn): void {
  const last = turns[turns.length - 1]
  if (last === undefined || last.role !== turn.role) {
    turns.push(turn)
    return
  }
  const merged = [...asBlocks(last.content), ...asBlocks(turn.content)]
  // Anthropic wants a user turn's tool results before its other blocks.
  merged.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'))
  last.content = merged
}

function systemOf(messages: JsonObject[], count: number): string | JsonObject[] | undefined {
  if (count === 0) return undefined
  if (count === 1 && typeof messages[0].content === 'string') return messages[0].content
  const blocks: JsonObject[] = []
  for (let index = 0; index < count; index++) {
    const content = messages[index].content
    blocks.push({ type: 'text', text: chatText(content, `messages[${index}].content`) })
  }
  return blocks
}

function parseArguments(call: JsonObject, param: string): unknown {
  const fn = isObject(call.function) ? call.function : undefined
  if (fn === undefined || typeof fn.name !== 'string') {
    throw invalidField(`${param}.function.name`, `'${param}.function.name' must be a string`)
  }
  const args = typeof fn.arguments === 'string' && fn.arguments.trim() !== '' ? fn.arguments : '{}'
  try {
    return JSON.parse(args)
  } catch {
    throw invalidField(`${param}.function.arguments`, `'${param}.function.arguments' is not valid JSON`)
  }
}

function assistantTurn(message: JsonObject, param: string, known: Set<string>): Turn {
  const calls = message.tool_calls
  if (calls === undefined || calls === null || (Array.isArray(calls) && calls.length === 0)) {
    const content = message.content
    return {
      role: 'assistant',
      content: content === null ? [] : chatContentToBlocks(content, `${param}.content`),
    }
  }
  if (!Array.isArray(calls))
    throw invalidField(`${param}.tool_calls`, `'${param}.tool_calls' must be an array`)
  const blocks =
    message.content === null ? [] : asBlocks(chatContentToBlocks(message.content, `${param}.content`))
  const content = blocks.filter((block) => block.type !== 'text' || block.text !== '')
  calls.forEach((call, index) => {
    const at = `${param}.tool_calls[${index}]`
    if (!isObject(call) || typeof call.id !== 'string')
      throw invalidField(`${at}.id`, `'${at}.id' must be a string`)
    if (call.type !== undefined && call.type !== 'function') throw unsupportedField(`${at}.type`, 'Anthropic')
    const input = parseArguments(call, at)
    known.add(call.id)
    content.push({ type: 'tool_use', id: call.id, name: (call.function as JsonObject).name, input })
  })
  return { role: 'assistant', content }
}

function toolTurn(message: JsonObject, param: string, known: Set<string>): Turn {
  const id = message.tool_call_id
  if (typeof id !== 'string')
    throw invalidField(`${param}.tool_call_id`, `'${param}.tool_call_id' must be a string`)
  if (!known.has(id)) {
    throw invalidField(
      `${param}.tool_call_id`,
      `No assistant tool call with id '${id}' comes before this tool message`,
    )
  }
  const result = chatContentToBlocks(message.content, `${param}.content`)
  return { role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result }] }
}

/**
 * Maps chat messages to Anthropic's system and turns; throws a VeloxError (400) naming the field.
 *
 * @example
 * chatMessagesToAnthropic([{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'hi' }])
 * // { system: 'Be brief', messages: [{ role: 'user', content: 'hi' }] }
 */
export function chatMessagesToAnthropic(messages: unknown): AnthropicConversation {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidField('messages', "'messages' must be a non-empty array")
  }
  let leading = 0
  const turns: Turn[] = []
  const known = new Set<string>()
  messages.forEach((message, index) => {
    const param = `messages[${index}]`
    if (!isObject(message)) throw invalidField(param, `'${param}' must be an object`)
    const role = message.role
    if (role === 'system' || role === 'developer') {
      if (index !== leading) {
        throw invalidField(
          `${param}.role`,
          'A system message after the first turn cannot be sent to an Anthropic upstream: put it first',
        )
      }
      leading++
    } else if (role === 'user') {
      pushTurn(turns, { role: 'user', content: chatContentToBlocks(message.content, `${param}.content`) })
    } else if (role === 'assistant') {
      pushTurn(turns, assistantTurn(message, param, known))
    } else if (role === 'tool') {
      pushTurn(turns, toolTurn(message, param, known))
    } else {
      throw unsupportedField(`${param}.role`, 'Anthropic', `role ${JSON.stringify(role)}`)
    }
  })
  if (turns.length === 0) throw invalidField('messages', "'messages' needs at least one user message")
  const system = systemOf(messages as JsonObject[], leading)
  return { system, messages: turns.map((turn) => ({ role: turn.role, content: turn.content })) }
}

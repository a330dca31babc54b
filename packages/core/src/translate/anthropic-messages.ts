/**
 * Messages `system` + `messages` -> chat `messages`. The reverse of chat-messages.ts: `system`
 * becomes one leading system message, a user turn's `tool_result` blocks become tool messages
 * (in order, before the rest of the turn), an assistant turn's `tool_use` blocks become
 * `tool_calls` with JSON-encoded arguments. Thinking blocks are dropped: their signatures only
 * mean something to Anthropic. Tool results must answer a tool call made before them.
 */
import { blockToChatPart } from './content-parts.js'
import { invalidField, isObject, type JsonObject, unsupportedField } from './json-value.js'

function systemMessage(system: unknown): JsonObject[] {
  if (system === undefined || system === null) return []
  if (typeof system === 'string') return [{ role: 'system', content: system }]
  if (!Array.isArray(system))
    throw invalidField('system', "'system' must be a string or an array of text blocks")
  const texts = system.map((block, index) => blockToChatPart(block, `system[${index}]`).text)
  if (texts.some((text) => typeof text !== 'string')) {
    throw invalidField('system', "'system' blocks must be text blocks")
  }
  return [{ role: 'system', content: texts.join('\n\n') }]
}

function toolResult(block: JsonObject, param: string, known: Set<string>): JsonObject {
  const id = block.tool_use_id
  if (typeof id !== 'string')
    throw invalidField(`${param}.tool_use_id`, `'${param}.tool_use_id' must be a string`)
  if (!known.has(id))
    throw invalidField(
      `${param}.tool_use_id`,
      `No tool_use block with id '${id}' comes before this tool_result`,
    )
  const content = block.content
  if (content === undefined || content === null) return { role: 'tool', tool_call_id: id, content: '' }
  if (typeof content === 'string') return { role: 'tool', tool_call_id: id, content }
  if (!Array.isArray(content))
    throw invalidField(`${param}.content`, `'${param}.content' must be a string or an array`)
  const parts = content.map((inner, index) => {
    const part = blockToChatPart(inner, `${param}.content[${index}]`)
    if (part.type !== 'text')
      throw unsupportedField(
        `${param}.content[${index}].type`,
        'OpenAI-compatible',
        'tool results carry text only',
      )
    return part
  })
  return { role: 'tool', tool_call_id: id, content: parts }
}

function userMessages(content: unknown, param: string, known: Set<string>): JsonObject[] {
  if (typeof content === 'string') return [{ role: 'user', content }]
  if (!Array.isArray(content)) throw invalidField(param, `'${param}' must be a string or an array of blocks`)
  const out: JsonObject[] = []
  const parts: JsonObject[] = []
  content.forEach((block, index) => {
    const at = `${param}[${index}]`
    if (isObject(block) && block.type === 'tool_result') out.push(toolResult(block, at, known))
    else parts.push(blockToChatPart(block, at))
  })
  if (parts.length > 0) out.push({ role: 'user', content: parts })
  return out
}

function assistantMessage(content: unknown, param: string, known: Set<string>): JsonObject {
  if (typeof content === 'string') return { role: 'assistant', content }
  if (!Array.isArray(content)) throw invalidField(param, `'${param}' must be a string or an array of blocks`)
  const parts: JsonObject[] = []
  const calls: JsonObject[] = []
  content.forEach((block, index) => {
    const at = `${param}[${index}]`
    if (!isObject(block)) throw invalidField(at, `'${at}' must be an object`)
    if (block.type === 'thinking' || block.type === 'redacted_thinking') return
    if (block.type === 'tool_use') {
      if (typeof block.id !== 'string' || typeof block.name !== 'string') {
        throw invalidField(at, `'${at}' needs a string id and name`)
      }
      known.add(block.id)
      const args = JSON.stringify(block.input ?? {})
      calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: args } })
      return
    }
    const part = blockToChatPart(block, at)
    if (part.type !== 'text')
      throw unsupportedField(`${at}.type`, 'OpenAI-compatible', 'assistant turns carry text')
    parts.push(part)
  })
  if (calls.length === 0) return { role: 'assistant', content: parts }
  const text = parts.map((part) => part.text).join('')
  return { role: 'assistant', content: text === '' ? null : text, tool_calls: calls }
}

/**
 * Maps Anthropic's system and turns to chat messages; throws a VeloxError (400) naming the field.
 *
 * @example
 * anthropicToChatMessages('Be brief', [{ role: 'user', content: 'hi' }])
 * // [{ role: 'system', content: 'Be brief' }, { role: 'user', content: 'hi' }]
 */
export function anthropicToChatMessages(system: unknown, messages: unknown): JsonObject[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidField('messages', "'messages' must be a non-empty array")
  }
  const out = systemMessage(system)
  const known = new Set<string>()
  messages.forEach((message, index) => {
    const param = `messages[${index}]`
    if (!isObject(message)) throw invalidField(param, `'${param}' must be an object`)
    if (message.role === 'user') out.push(...userMessages(message.content, `${param}.content`, known))
    else if (message.role === 'assistant')
      out.push(assistantMessage(message.content, `${param}.content`, known))
    else throw invalidField(`${param}.role`, `'${param}.role' must be 'user' or 'assistant'`)
  })
  return out
}

/**
 * A chat message's `content` (a string, or an array of parts) as Anthropic content (a string, or
 * an array of blocks). A string stays a string, so the common case crosses unchanged in shape.
 */
import { chatPartToBlock } from './content-parts.js'
import { invalidField, type JsonObject } from './json-value.js'

/** Chat content as Anthropic content; throws a 400 naming the part that does not map. */
export function chatContentToBlocks(content: unknown, param: string): string | JsonObject[] {
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) throw invalidField(param, `'${param}' must be a string or an array of parts`)
  return content.map((part, index) => chatPartToBlock(part, `${param}[${index}]`))
}

/**
 * Message content that both APIs carry, part by part: text, and images as data URLs (Anthropic
 * `base64` sources) or http(s) URLs (Anthropic `url` sources). Anything else in a part (audio,
 * files, documents) has no equivalent and is refused with the path of the part. `cache_control`
 * and an image's `detail` are hints without an equivalent, dropped on the way.
 */
import { invalidField, isObject, type JsonObject, unsupportedField } from './json-value.js'

const DATA_URL = /^data:([^;,]+);base64,(.*)$/s

function textOf(part: JsonObject, param: string): string {
  if (typeof part.text !== 'string') throw invalidField(`${param}.text`, `'${param}.text' must be a string`)
  return part.text
}

/** A chat content part as an Anthropic block (`param` is its path, for errors). */
export function chatPartToBlock(part: unknown, param: string): JsonObject {
  if (!isObject(part)) throw invalidField(param, `'${param}' must be an object`)
  if (part.type === 'text') return { type: 'text', text: textOf(part, param) }
  if (part.type === 'image_url') {
    const image = part.image_url
    const url = isObject(image) ? image.url : undefined
    if (typeof url !== 'string') throw invalidField(`${param}.image_url.url`, 'An image part needs a url')
    const data = DATA_URL.exec(url)
    if (data !== null)
      return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } }
    if (/^https?:\/\//.test(url)) return { type: 'image', source: { type: 'url', url } }
    throw invalidField(`${param}.image_url.url`, 'An image url must be a base64 data URL or an http(s) URL')
  }
  throw unsupportedField(`${param}.type`, 'Anthropic', `content type ${JSON.stringify(part.type)}`)
}

/** An Anthropic block (text or image) as a chat content part. */
export function blockToChatPart(block: unknown, param: string): JsonObject {
  if (!isObject(block)) throw invalidField(param, `'${param}' must be an object`)
  if (block.type === 'text') return { type: 'text', text: textOf(block, param) }
  if (block.type === 'image') {
    const source = isObject(block.source) ? block.source : {}
    if (
      source.type === 'base64' &&
      typeof source.media_type === 'string' &&
      typeof source.data === 'string'
    ) {
      return { type: 'image_url', image_url: { url: `data:${source.media_type};base64,${source.data}` } }
    }
    if (source.type === 'url' && typeof source.url === 'string') {
      return { type: 'image_url', image_url: { url: source.url } }
    }
    throw unsupportedField(`${param}.source`, 'OpenAI-compatible', 'only base64 and url image sources map')
  }
  throw unsupportedField(`${param}.type`, 'OpenAI-compatible', `content type ${JSON.stringify(block.type)}`)
}

/** The text of chat content (a string or text parts), for places that only take text. */
export function chatText(content: unknown, param: string): string {
  if (typeof content === 'string') return content
  if (content === null || content === undefined) return ''
  if (!Array.isArray(content)) throw invalidField(param, `'${param}' must be a string or an array of parts`)
  let text = ''
  content.forEach((part, index) => {
    const block = chatPartToBlock(part, `${param}[${index}]`)
    if (block.type !== 'text')
      throw unsupportedField(`${param}[${index}].type`, 'Anthropic', 'only text here')
    text += block.text as string
  })
  return text
}

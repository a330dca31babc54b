/**
 * Anthropic's streaming events -> `chat.completion.chunk` events, one upstream event at a time.
 * message_start opens the reply (role chunk), text and thinking deltas become `content` and
 * `reasoning_content` deltas, a tool_use block becomes a tool call whose first chunk carries its
 * index, id and name and whose `input_json_delta`s stream as `arguments` as they arrive,
 * message_delta gives the finish reason, message_stop the usage chunk (only when the client asked
 * for it) and `data: [DONE]`. An `error` event, or a stream cut before message_stop, becomes a
 * chunk with an `error` object (which the OpenAI SDKs raise) and no `[DONE]`: never a clean end.
 */
import { chatErrorBody } from './error-map.js'
import { isDigits, stringLiteralEnd } from './json-literal.js'
import { isObject, type JsonObject } from './json-value.js'
import { SseDecoder } from './sse-decoder.js'
import { finishReason } from './stop-reason.js'
import type { StreamTranslator } from './stream-translator.js'
import { anthropicCounts, chatUsage, type TokenCounts } from './usage-map.js'

/** What the chat stream needs to know that Anthropic's events do not say. */
export interface ChatStreamOptions {
  /** Unix seconds for `created`. */
  readonly created: number
  /** The client set `stream_options.include_usage`. */
  readonly includeUsage: boolean
}

const DELTA_HEAD = '{"type":"content_block_delta","index":'
const TEXT_DELTA = ',"delta":{"type":"text_delta","text":'

export class AnthropicToChatStream implements StreamTranslator {
  readonly #decoder = new SseDecoder()
  readonly #options: ChatStreamOptions
  readonly #tools = new Map<number, number>() // Anthropic block index -> tool_calls index
  readonly #listener = (event: string, data: string) => this.#onEvent(event, data)
  #out = ''
  #head = ''
  #counts: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
  #done = false
  #failed = false

  constructor(options: ChatStreamOptions) {
    this.#options = options
    this.#setHead('', '')
  }

  #setHead(id: unknown, model: unknown): void {
    const head = JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created: this.#options.created,
      model,
    })
    this.#head = head.slice(1, -1) // the fields without braces, spliced into every chunk
  }

  get counts(): TokenCounts {
    return this.#counts
  }

  get failed(): boolean {
    return this.#failed
  }

  push(chunk: Uint8Array): string {
    this.#decoder.push(chunk, this.#listener)
    const out = this.#out
    this.#out = ''
    return out
  }

  end(): string {
    this.#decoder.end(this.#listener)
    if (!this.#done) this.#fail('api_error', 'The upstream stream ended before message_stop')
    const out = this.#out
    this.#out = ''
    return out
  }

  #chunk(delta: JsonObject, finish: string | null): void {
    const usage = this.#options.includeUsage ? ',"usage":null' : ''
    const choice = JSON.stringify({ index: 0, delta, logprobs: null, finish_reason: finish })
    this.#out += `data: {${this.#head},"choices":[${choice}]${usage}}\n\n`
  }

  /** A text-like delta, the bulk of a stream: written without stringifying an object per event. */
  #text(field: 'content' | 'reasoning_content', text: unknown): void {
    if (typeof text === 'string') this.#textLiteral(field, JSON.stringify(text))
  }

  /** A text delta from the JSON string literal of its text (copied from the upstream's event). */
  #textLiteral(field: 'content' | 'reasoning_content', literal: string): void {
    const usage = this.#options.includeUsage ? ',"usage":null' : ''
    const delta = `{"${field}":${literal}}`
    this.#out += `data: {${this.#head},"choices":[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null}]${usage}}\n\n`
  }

  #fail(type: string, message: string): void {
    this.#done = true
    this.#failed = true
    this.#out += `data: ${JSON.stringify(chatErrorBody(type, message))}\n\n`
  }

  /** A text delta in Anthropic's own shape, copied without a parse; false for any other event. */
  #fastText(data: string): boolean {
    if (!data.startsWith(DELTA_HEAD)) return false
    const mid = data.indexOf(TEXT_DELTA, DELTA_HEAD.length)
    if (mid === -1 || !isDigits(data, DELTA_HEAD.length, mid)) return false
    const start = mid + TEXT_DELTA.length
    const end = stringLiteralEnd(data, start)
    if (end !== data.length - 2 || data.charCodeAt(end) !== 125 || data.charCodeAt(end + 1) !== 125)
      return false
    this.#textLiteral('content', data.slice(start, end))
    return true
  }

  #onEvent(name: string, data: string): void {
    if (this.#done) return
    if (name === 'ping' || name === 'content_block_stop') return // nothing for chat: not even a parse
    if (this.#fastText(data)) return
    let event: JsonObject
    try {
      const parsed: unknown = JSON.parse(data)
      if (!isObject(parsed)) throw new TypeError('not an object')
      event = parsed
    } catch {
      return this.#fail('api_error', 'The upstream sent a stream event that is not JSON')
    }
    switch (event.type) {
      case 'message_start':
        return this.#start(event.message)
      case 'content_block_start':
        return this.#blockStart(event)
      case 'content_block_delta':
        return this.#blockDelta(event)
      case 'message_delta':
        this.#counts = mergeCounts(this.#counts, anthropicCounts(event.usage), event.usage)
        return this.#chunk({}, finishReason(isObject(event.delta) ? event.delta.stop_reason : null) ?? 'stop')
      case 'message_stop':
        return this.#stop()
      case 'error': {
        const error = isObject(event.error) ? event.error : {}
        const type = typeof error.type === 'string' ? error.type : 'api_error'
        return this.#fail(
          type,
          typeof error.message === 'string' ? error.message : 'The upstream failed mid-stream',
        )
      }
      default:
        return // ping, content_block_stop and event types added later carry nothing for chat
    }
  }

  #start(message: unknown): void {
    const m = isObject(message) ? message : {}
    this.#counts = anthropicCounts(m.usage)
    this.#setHead(m.id, m.model)
    this.#chunk({ role: 'assistant', content: '' }, null)
  }

  #blockStart(event: JsonObject): void {
    const block = isObject(event.content_block) ? event.content_block : {}
    if (block.type === 'tool_use' && typeof event.index === 'number') {
      const index = this.#tools.size
      this.#tools.set(event.index, index)
      const fn = { name: block.name, arguments: '' }
      this.#chunk({ tool_calls: [{ index, id: block.id, type: 'function', function: fn }] }, null)
    } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      this.#chunk({ content: block.text }, null)
    }
  }

  #blockDelta(event: JsonObject): void {
    const delta = isObject(event.delta) ? event.delta : {}
    if (delta.type === 'text_delta') this.#text('content', delta.text)
    else if (delta.type === 'thinking_delta') this.#text('reasoning_content', delta.thinking)
    else if (delta.type === 'input_json_delta') {
      const index = typeof event.index === 'number' ? this.#tools.get(event.index) : undefined
      if (index === undefined || delta.partial_json === '') return
      this.#chunk({ tool_calls: [{ index, function: { arguments: delta.partial_json } }] }, null)
    }
    // signature_delta and citations_delta have no chat form
  }

  #stop(): void {
    this.#done = true
    if (this.#options.includeUsage) {
      this.#out += `data: {${this.#head},"choices":[],"usage":${JSON.stringify(chatUsage(this.#counts))}}\n\n`
    }
    this.#out += 'data: [DONE]\n\n'
  }
}

/** message_delta usage is cumulative; a field it leaves out keeps the message_start value. */
function mergeCounts(before: TokenCounts, delta: TokenCounts, raw: unknown): TokenCounts {
  const has = (name: string) => isObject(raw) && typeof raw[name] === 'number'
  return {
    input: has('input_tokens') ? delta.input : before.input,
    output: has('output_tokens') ? delta.output : before.output,
    cacheRead: has('cache_read_input_tokens') ? delta.cacheRead : before.cacheRead,
    cacheWrite: has('cache_creation_input_tokens') ? delta.cacheWrite : before.cacheWrite,
  }
}

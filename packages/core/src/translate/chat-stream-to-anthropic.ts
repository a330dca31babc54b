/**
 * `chat.completion.chunk` events -> Anthropic's named streaming events, in the order Anthropic
 * sends them: message_start, then per content block content_block_start (a ping after the first),
 * its deltas and content_block_stop, then message_delta (stop_reason and usage) and message_stop.
 * Text, `reasoning_content` (as a thinking block) and each tool call get their own block index; a
 * tool call's arguments stream as `input_json_delta` and are checked to be a JSON object when its
 * block closes. An `error` chunk, arguments that are not JSON, or a stream cut before `[DONE]`
 * becomes an `event: error`: never a clean end.
 */
import { anthropicErrorBody } from './error-map.js'
import { stringLiteralEnd } from './json-literal.js'
import { isObject, type JsonObject, parseObject } from './json-value.js'
import { SseDecoder } from './sse-decoder.js'
import { stopReason } from './stop-reason.js'
import type { StreamTranslator } from './stream-translator.js'
import { anthropicUsage, chatCounts, type TokenCounts } from './usage-map.js'

type BlockKind = 'text' | 'thinking' | 'tool_use'

interface ToolBlock {
  readonly index: number
  args: string
}

function event(name: string, payload: JsonObject): string {
  return `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`
}

const CONTENT_HEAD = '"choices":[{"index":0,"delta":{"content":'
const CONTENT_TAIL = '},"logprobs":null,"finish_reason":null}]'
const SHORT_TAIL = '},"finish_reason":null}]'

export class ChatToAnthropicStream implements StreamTranslator {
  readonly #decoder = new SseDecoder()
  readonly #tools = new Map<number, ToolBlock>() // chat tool_calls index -> block
  readonly #listener = (_event: string, data: string) => this.#onEvent(data)
  #out = ''
  #started = false
  #pinged = false
  #open: BlockKind | undefined
  #openTool: ToolBlock | undefined
  #next = 0
  #stop: string | null = null
  #counts: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
  #done = false
  #failed = false

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
    if (!this.#done) this.#fail('api_error', 'The upstream stream ended before [DONE]')
    const out = this.#out
    this.#out = ''
    return out
  }

  /** Appends an event unless the stream already failed (nothing follows an error event). */
  #emit(name: string, payload: JsonObject): void {
    if (!this.#done) this.#out += event(name, payload)
  }

  #fail(type: string, message: string): void {
    this.#done = true
    this.#failed = true
    this.#out += event('error', anthropicErrorBody(type, message))
    this.#open = undefined
  }

  /**
   * A chunk whose only news is content text (`"choices":[{"index":0,"delta":{"content":"..."}`,
   * no finish reason, no usage), copied without a parse; false for any other chunk.
   */
  #fastText(data: string): boolean {
    if (!this.#started) return false
    const at = data.indexOf(CONTENT_HEAD)
    if (at === -1) return false
    const start = at + CONTENT_HEAD.length
    const end = stringLiteralEnd(data, start)
    if (end === -1) return false
    const tail = data.startsWith(CONTENT_TAIL, end)
      ? CONTENT_TAIL
      : data.startsWith(SHORT_TAIL, end)
        ? SHORT_TAIL
        : ''
    if (tail === '' || data.includes('"usage":{', end)) return false
    if (end - start > 2) {
      if (this.#open !== 'text') this.#openBlock('text', { type: 'text', text: '' })
      this.#textLiteral('text', data.slice(start, end))
    }
    return true
  }

  #onEvent(data: string): void {
    if (this.#done) return
    if (data === '[DONE]') return this.#finish()
    if (this.#fastText(data)) return
    const chunk = parseObject(data)
    if (chunk === undefined)
      return this.#fail('api_error', 'The upstream sent a stream event that is not JSON')
    if (isObject(chunk.error)) {
      const message =
        typeof chunk.error.message === 'string' ? chunk.error.message : 'The upstream failed mid-stream'
      return this.#fail('api_error', message)
    }
    this.#begin(chunk)
    if (isObject(chunk.usage)) this.#counts = chatCounts(chunk.usage)
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined
    if (!isObject(choice)) return
    const delta = isObject(choice.delta) ? choice.delta : {}
    if (typeof delta.reasoning_content === 'string' && delta.reasoning_content !== '') {
      this.#ensure('thinking', { type: 'thinking', thinking: '', signature: '' })
      this.#text('thinking', delta.reasoning_content)
    }
    if (typeof delta.content === 'string' && delta.content !== '') {
      this.#ensure('text', { type: 'text', text: '' })
      this.#text('text', delta.content)
    }
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.#toolCall(call)
    if (typeof choice.finish_reason === 'string') this.#stop = stopReason(choice.finish_reason)
  }

  #begin(chunk: JsonObject): void {
    if (this.#started) return
    this.#started = true
    const message = {
      id: chunk.id,
      type: 'message',
      role: 'assistant',
      model: chunk.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 }, // the chat stream tells usage only at its end
    }
    this.#emit('message_start', { type: 'message_start', message })
  }

  #openBlock(kind: BlockKind, block: JsonObject): number {
    this.#close()
    const index = this.#next++
    this.#open = kind
    this.#emit('content_block_start', { type: 'content_block_start', index, content_block: block })
    if (!this.#pinged) {
      this.#pinged = true
      this.#emit('ping', { type: 'ping' })
    }
    return index
  }

  #ensure(kind: 'text' | 'thinking', block: JsonObject): void {
    if (this.#open !== kind) this.#openBlock(kind, block)
  }

  /** A text or thinking delta, the bulk of a stream: written without stringifying an object per event. */
  #text(kind: 'text' | 'thinking', text: string): void {
    this.#textLiteral(kind, JSON.stringify(text))
  }

  /** A delta from the JSON string literal of its text (copied from the upstream's chunk). */
  #textLiteral(kind: 'text' | 'thinking', literal: string): void {
    if (this.#done) return
    const delta = `{"type":"${kind}_delta","${kind}":${literal}}`
    this.#out += `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.#next - 1},"delta":${delta}}\n\n`
  }

  #delta(delta: JsonObject, index = this.#next - 1): void {
    this.#emit('content_block_delta', { type: 'content_block_delta', index, delta })
  }

  #toolCall(call: unknown): void {
    if (!isObject(call)) return
    const position = typeof call.index === 'number' ? call.index : 0
    const fn = isObject(call.function) ? call.function : {}
    let tool = this.#tools.get(position)
    if (tool === undefined) {
      const block = { type: 'tool_use', id: call.id, name: fn.name, input: {} }
      tool = { index: this.#openBlock('tool_use', block), args: '' }
      this.#tools.set(position, tool)
      this.#openTool = tool
    }
    if (typeof fn.arguments === 'string' && fn.arguments !== '') {
      tool.args += fn.arguments
      this.#delta({ type: 'input_json_delta', partial_json: fn.arguments }, tool.index)
    }
  }

  #close(): void {
    if (this.#open === undefined) return
    const tool = this.#open === 'tool_use' ? this.#openTool : undefined
    this.#emit('content_block_stop', { type: 'content_block_stop', index: this.#next - 1 })
    this.#open = undefined
    this.#openTool = undefined
    if (tool !== undefined && tool.args.trim() !== '' && parseObject(tool.args) === undefined) {
      this.#fail('api_error', 'The upstream streamed tool call arguments that are not a JSON object')
    }
  }

  #finish(): void {
    this.#begin({})
    this.#close()
    const delta = { stop_reason: this.#stop ?? 'end_turn', stop_sequence: null }
    this.#emit('message_delta', { type: 'message_delta', delta, usage: anthropicUsage(this.#counts) })
    this.#emit('message_stop', { type: 'message_stop' })
    this.#done = true
  }
}

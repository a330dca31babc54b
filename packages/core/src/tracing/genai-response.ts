/**
 * Reads what the GenAI conventions record about a response as it streams past: id, model, finish
 * reasons, token usage (cache tokens included) and, with `captureContent`, the output text. One
 * reader for the shapes Velox proxies: OpenAI chat and completions (JSON and SSE chunks), the
 * Responses API (JSON, and its `response.completed` event), embeddings, and Anthropic messages
 * (JSON, and `message_start` / `content_block_delta` / `message_delta` events). It runs only for
 * a span that records; nothing here is on the path of a gateway without tracing. Bounded: a JSON
 * body beyond MAX_JSON_BYTES, or an SSE line beyond MAX_LINE_BYTES, is not read.
 */
import type { Attributes } from './otel-api.js'

const MAX_JSON_BYTES = 8 * 1024 * 1024 // a large completion; beyond it the span keeps the request's attributes
const MAX_LINE_BYTES = 4 * 1024 * 1024 // a responses.completed line carries the whole output
const NEWLINE = 0x0a

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

export class GenAiResponse {
  readonly eventStream: boolean
  readonly captureContent: boolean
  id: string | undefined = undefined
  model: string | undefined = undefined
  finishReasons: string[] = []
  inputTokens: number | undefined = undefined
  outputTokens: number | undefined = undefined
  cacheReadTokens: number | undefined = undefined
  cacheCreationTokens: number | undefined = undefined
  text = ''
  #chunks: Buffer[] = []
  #bytes = 0
  #overflow = false

  constructor(eventStream: boolean, captureContent: boolean) {
    this.eventStream = eventStream
    this.captureContent = captureContent
  }

  /** One chunk of the response body, as it goes to the client. */
  onChunk(chunk: Buffer): void {
    if (this.#overflow) return
    if (!this.eventStream) {
      this.#keep(chunk, MAX_JSON_BYTES)
      return
    }
    let start = 0
    let nl = chunk.indexOf(NEWLINE)
    while (nl !== -1) {
      const piece = chunk.subarray(start, nl)
      if (this.#chunks.length > 0) {
        this.#chunks.push(piece)
        this.#line(Buffer.concat(this.#chunks))
        this.#chunks = []
        this.#bytes = 0
      } else this.#line(piece)
      start = nl + 1
      nl = chunk.indexOf(NEWLINE, start)
    }
    if (start < chunk.length) this.#keep(chunk.subarray(start), MAX_LINE_BYTES)
  }

  /** The response ended: a JSON body is read now. */
  onEnd(): void {
    if (this.eventStream || this.#overflow || this.#chunks.length === 0) return
    try {
      const value: unknown = JSON.parse(Buffer.concat(this.#chunks).toString('utf8'))
      if (isObject(value)) this.#read(value, false)
    } catch {
      // not JSON (an upstream's HTML error page): nothing to record
    }
    this.#chunks = []
  }

  /** The response's attributes, for the span. */
  attributes(): Attributes {
    const a: Attributes = {}
    if (this.id !== undefined) a['gen_ai.response.id'] = this.id
    if (this.model !== undefined) a['gen_ai.response.model'] = this.model
    if (this.finishReasons.length > 0) a['gen_ai.response.finish_reasons'] = this.finishReasons
    if (this.inputTokens !== undefined) a['gen_ai.usage.input_tokens'] = this.inputTokens
    if (this.outputTokens !== undefined) a['gen_ai.usage.output_tokens'] = this.outputTokens
    if (this.cacheReadTokens !== undefined) a['gen_ai.usage.cache_read.input_tokens'] = this.cacheReadTokens
    if (this.cacheCreationTokens !== undefined) {
      a['gen_ai.usage.cache_creation.input_tokens'] = this.cacheCreationTokens
    }
    if (this.captureContent && (this.text !== '' || this.finishReasons.length > 0)) {
      a['gen_ai.output.messages'] = JSON.stringify([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: this.text }],
          finish_reason: this.finishReasons[0] ?? null,
        },
      ])
    }
    return a
  }

  #keep(piece: Buffer, max: number): void {
    this.#bytes += piece.length
    if (this.#bytes > max) {
      this.#overflow = true
      this.#chunks = []
      return
    }
    this.#chunks.push(piece)
  }

  #line(line: Buffer): void {
    // `data: {...}` (or `data:{...}`); every other SSE field is ignored
    if (line.length < 7 || line[0] !== 0x64 /* d */ || !line.subarray(0, 5).equals(DATA)) return
    const text = line.toString('utf8', line[5] === 0x20 ? 6 : 5).trimEnd()
    if (text === '[DONE]' || text[0] !== '{') return
    try {
      const value: unknown = JSON.parse(text)
      if (isObject(value)) this.#read(value, true)
    } catch {
      // a malformed event: the client sees it as sent; the span keeps what it has
    }
  }

  #read(o: Json, event: boolean): void {
    const type = str(o.type)
    if (type === 'message_start' && isObject(o.message)) return this.#read(o.message, false)
    if (type === 'message_delta') {
      if (isObject(o.delta)) this.#reason(str(o.delta.stop_reason))
      if (isObject(o.usage)) this.outputTokens = num(o.usage.output_tokens) ?? this.outputTokens
      return
    }
    if (type === 'content_block_delta') {
      if (this.captureContent && isObject(o.delta)) this.text += str(o.delta.text) ?? ''
      return
    }
    if (type === 'response.output_text.delta') {
      if (this.captureContent) this.text += str(o.delta) ?? ''
      return
    }
    if (type === 'response.completed' && isObject(o.response)) return this.#read(o.response, false)
    if (type?.startsWith('response.')) return
    this.id = str(o.id) ?? this.id
    this.model = str(o.model) ?? this.model
    if (Array.isArray(o.choices)) {
      for (const choice of o.choices) {
        if (!isObject(choice)) continue
        this.#reason(str(choice.finish_reason))
        if (!this.captureContent) continue
        const message = isObject(choice.delta)
          ? choice.delta
          : isObject(choice.message)
            ? choice.message
            : undefined
        this.text += str(message?.content) ?? str(choice.text) ?? ''
      }
    }
    this.#reason(str(o.stop_reason)) // Anthropic JSON
    if (!event && typeof o.status === 'string' && Array.isArray(o.output)) this.#responses(o)
    if (!event && Array.isArray(o.content) && this.captureContent) {
      for (const block of o.content) if (isObject(block)) this.text += str(block.text) ?? ''
    }
    if (isObject(o.usage)) this.#usage(o.usage)
  }

  #responses(o: Json): void {
    // The Responses API: status "completed" / "incomplete" is its finish reason
    this.#reason(str(o.status))
    if (!this.captureContent || this.text !== '') return
    for (const item of o.output as unknown[]) {
      if (!isObject(item) || !Array.isArray(item.content)) continue
      for (const part of item.content) if (isObject(part)) this.text += str(part.text) ?? ''
    }
  }

  #usage(u: Json): void {
    this.inputTokens = num(u.prompt_tokens) ?? num(u.input_tokens) ?? this.inputTokens
    this.outputTokens = num(u.completion_tokens) ?? num(u.output_tokens) ?? this.outputTokens
    const details = isObject(u.prompt_tokens_details)
      ? u.prompt_tokens_details
      : isObject(u.input_tokens_details)
        ? u.input_tokens_details
        : undefined
    this.cacheReadTokens =
      num(details?.cached_tokens) ?? num(u.cache_read_input_tokens) ?? this.cacheReadTokens
    this.cacheCreationTokens = num(u.cache_creation_input_tokens) ?? this.cacheCreationTokens
  }

  #reason(reason: string | undefined): void {
    if (reason !== undefined && reason !== '' && !this.finishReasons.includes(reason))
      this.finishReasons.push(reason)
  }
}

const DATA = Buffer.from('data:')

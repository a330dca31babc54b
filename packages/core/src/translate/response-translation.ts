/**
 * One upstream response mapped into the client's format, whatever its kind: an event stream is
 * translated per event as its bytes arrive (stream translators); a JSON body, success or error, is
 * held whole (a JSON document cannot be mapped before its end) and mapped once it is complete.
 * The status an error is answered with is decided with the headers: Anthropic's 529 becomes 503
 * for an OpenAI client. The egress step feeds it and writes what it returns.
 */

import { VeloxError } from '../errors.js'
import { AnthropicToChatStream } from './anthropic-stream-to-chat.js'
import { ChatToAnthropicStream } from './chat-stream-to-anthropic.js'
import { completionToMessage } from './completion-to-message.js'
import {
  ANTHROPIC_OVERLOADED,
  anthropicErrorToChat,
  chatErrorToAnthropic,
  veloxErrorToAnthropic,
} from './error-map.js'
import type { ApiFormat } from './formats.js'
import { parseObject } from './json-value.js'
import { messageToCompletion } from './message-to-completion.js'
import type { StreamTranslator } from './stream-translator.js'
import type { TokenCounts } from './usage-map.js'

/** What the response side must know about the request. */
export interface ResponseTranslationOptions {
  /** The format the client speaks (the response is mapped into it). */
  readonly client: ApiFormat
  /** The client asked for a usage chunk (OpenAI clients; `stream_options.include_usage`). */
  readonly includeUsage: boolean
  /** Unix seconds for `created` when the upstream sends none (Anthropic). */
  readonly created: number
}

/** A mapped body and the status to answer it with. */
export interface MappedBody {
  readonly status: number
  readonly body: Buffer
}

const ZERO: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }

export class ResponseTranslation {
  readonly #options: ResponseTranslationOptions
  #status = 0
  #stream: StreamTranslator | undefined
  #held: Buffer[] = []
  #counts: TokenCounts = ZERO

  constructor(options: ResponseTranslationOptions) {
    this.#options = options
  }

  /** Token usage, in translated terms, once the response ended (zero for an error). */
  get counts(): TokenCounts {
    return this.#stream?.counts ?? this.#counts
  }

  /** True when the translated stream ended with an error event. */
  get failed(): boolean {
    return this.#stream?.failed === true
  }

  /** The exchange's usage meter (UsageMeter): the translated counts, input including cache reads and writes. */
  onChunk(_chunk: Buffer): void {
    // The translation reads usage itself, as it maps each event.
  }

  finish(): { inputTokens: number | undefined; outputTokens: number | undefined } {
    if (this.#status >= 400) return { inputTokens: undefined, outputTokens: undefined }
    const c = this.counts
    return { inputTokens: c.input + c.cacheRead + c.cacheWrite, outputTokens: c.output }
  }

  /**
   * The response's headers arrived: returns the status to answer with, and whether the body is
   * streamed (translated per chunk) rather than held to its end.
   */
  head(status: number, eventStream: boolean): { status: number; streamed: boolean } {
    this.#status = status
    const streamed = eventStream && status >= 200 && status < 300
    if (streamed) {
      const { client, includeUsage, created } = this.#options
      this.#stream =
        client === 'openai'
          ? new AnthropicToChatStream({ created, includeUsage })
          : new ChatToAnthropicStream()
    }
    const mapped = status === ANTHROPIC_OVERLOADED && this.#options.client === 'openai' ? 503 : status
    return { status: mapped, streamed }
  }

  /** A chunk of the upstream body: the translated bytes to write now ('' while held). */
  write(chunk: Buffer): string {
    if (this.#stream !== undefined) return this.#stream.push(chunk)
    this.#held.push(chunk)
    return ''
  }

  /** The upstream body ended: the last bytes of a stream, or the whole mapped JSON body. */
  end(): string | MappedBody {
    if (this.#stream !== undefined) return this.#stream.end()
    const text = Buffer.concat(this.#held).toString('utf8')
    this.#held = []
    const client = this.#options.client
    if (this.#status >= 400) {
      const mapped =
        client === 'openai'
          ? anthropicErrorToChat(this.#status, text)
          : chatErrorToAnthropic(this.#status, text)
      return { status: mapped.status, body: Buffer.from(JSON.stringify(mapped.body)) }
    }
    try {
      const parsed = parseObject(text)
      const mapped =
        client === 'openai' ? messageToCompletion(parsed, this.#options.created) : completionToMessage(parsed)
      this.#counts = mapped.counts
      return { status: this.#status, body: Buffer.from(JSON.stringify(mapped.body)) }
    } catch (error) {
      if (!(error instanceof VeloxError)) throw error
      const body = client === 'openai' ? error.toJSON() : veloxErrorToAnthropic(error).body
      return { status: error.status, body: Buffer.from(JSON.stringify(body)) }
    }
  }
}

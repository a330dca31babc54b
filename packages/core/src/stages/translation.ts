/**
 * The egress side of a translated attempt (stages/55-translate.ts decided the request needs one):
 * what to send to a candidate whose format is not the client's, and the response written back
 * through the client writer as the translation produces it. A stream's events go out as they are
 * mapped (the writer keeps backpressure); a JSON body, success or error, is held to its end and
 * written once mapped, with the status the mapping chose (a 529 answered 503 to an OpenAI client,
 * an unreadable body 502). A helper of the egress stage, not a stage.
 */
import type { Candidate } from '../egress/upstream.js'
import type { Exchange } from '../exchange/exchange.js'
import type { ClientWriter } from '../http/client-writer.js'
import { formatOf, translatedPath } from '../translate/formats.js'
import { ResponseTranslation } from '../translate/response-translation.js'
import { serializeRequest } from '../translate/translate-request.js'
import { translatedRequestHeaders, translatedResponseHeaders } from '../translate/translated-headers.js'

/** An attempt sent in the candidate's format. */
export interface TranslatedAttempt {
  readonly path: string
  readonly body: Buffer
  readonly response: TranslatedResponse
}

/** The translated request for `candidate`, or undefined when it speaks the client's format. */
export function translatedAttempt(ex: Exchange, candidate: Candidate): TranslatedAttempt | undefined {
  const request = ex.translated
  if (request === undefined || ex.kind === undefined) return undefined
  const target = candidate.upstream.config.format
  const client = formatOf(ex.kind)
  if (target === client) return undefined
  const translation = new ResponseTranslation({
    client,
    includeUsage: request.includeUsage,
    created: Math.floor(Date.now() / 1000), // Anthropic sends no `created`
  })
  return {
    path: candidate.upstream.config.basePath + translatedPath(target),
    body: serializeRequest(request, candidate.model),
    response: new TranslatedResponse(translation, target),
  }
}

export class TranslatedResponse {
  readonly translation: ResponseTranslation
  readonly #target: 'openai' | 'anthropic'
  #headers: string[] = []
  #resume: () => void = noop

  constructor(translation: ResponseTranslation, target: 'openai' | 'anthropic') {
    this.translation = translation
    this.#target = target
  }

  /** The request headers for the upstream, adjusted to its format. */
  requestHeaders(headers: string[]): string[] {
    return translatedRequestHeaders(headers, this.#target)
  }

  /** The upstream's head: a stream's goes out now; a JSON body's waits for its end. Returns the status. */
  head(
    writer: ClientWriter,
    status: number,
    headers: string[],
    eventStream: boolean,
    resume: () => void,
  ): number {
    const { status: mapped, streamed } = this.translation.head(status, eventStream)
    const out = translatedResponseHeaders(headers, streamed)
    if (streamed) writer.head(mapped, '', out, true, resume)
    else {
      this.#headers = out
      this.#resume = resume
    }
    return mapped
  }

  /** A body chunk: writes what the translation produced; false when the client's socket is full. */
  write(writer: ClientWriter, chunk: Buffer): boolean {
    const out = this.translation.write(chunk)
    return out === '' ? true : writer.write(Buffer.from(out))
  }

  /** The upstream body ended: writes the rest (or the whole mapped body) and returns the final status. */
  end(writer: ClientWriter, status: number): number {
    const last = this.translation.end()
    if (typeof last === 'string') {
      if (last !== '') writer.write(Buffer.from(last))
      return status
    }
    writer.head(last.status, '', this.#headers, false, this.#resume)
    writer.write(last.body)
    return last.status
  }
}

function noop(): void {}

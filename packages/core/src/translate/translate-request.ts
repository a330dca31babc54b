/**
 * The request side of a translated attempt: the client's body, parsed once, mapped into the
 * upstream's format, and serialized for each attempt that needs it with the candidate's model (a
 * route alias renames the model, as the byte splice does for pass-through). A token count has no
 * OpenAI equivalent: routing one to an OpenAI-format upstream is a 404.
 */
import { VeloxError } from '../errors.js'
import { chatToMessagesRequest, type TranslatedRequest } from './chat-to-messages.js'
import type { ClientRequestKind } from './formats.js'
import { invalidField, parseObject } from './json-value.js'
import { messagesToChatRequest } from './messages-to-chat.js'
import type { TranslateOptions } from './translate-options.js'

/**
 * Maps a client body of `kind` into the other format (the caller knows the upstream's differs); throws a VeloxError (400 or 404) naming
 * what does not map.
 *
 * @example
 * translateRequest(Buffer.from('{"model":"claude-x","messages":[{"role":"user","content":"hi"}]}'), 'chat', TRANSLATE_DEFAULTS)
 */
export function translateRequest(
  body: Buffer,
  kind: ClientRequestKind,
  options: TranslateOptions,
): TranslatedRequest {
  if (kind === 'count_tokens') {
    throw new VeloxError(
      'VELOX_ERR_UNSUPPORTED_ENDPOINT',
      'Token counting (/v1/messages/count_tokens) has no equivalent on an OpenAI-format upstream',
    )
  }
  const parsed = parseObject(body.toString('utf8'))
  if (parsed === undefined) throw invalidField('body', 'The request body must be a JSON object')
  return kind === 'chat' ? chatToMessagesRequest(parsed, options) : messagesToChatRequest(parsed, options)
}

/** The bytes of a translated request for one attempt, with the candidate's model when it renames. */
export function serializeRequest(request: TranslatedRequest, model: string | undefined): Buffer {
  const body = model === undefined ? request.body : { ...request.body, model }
  return Buffer.from(JSON.stringify(body))
}

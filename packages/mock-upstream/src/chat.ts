/**
 * POST /v1/chat/completions: a `chat.completion` object, or with `stream: true` the
 * `chat.completion.chunk` events the real API sends (role chunk, one chunk per piece, finish chunk,
 * optional usage chunk, `[DONE]`).
 */
import { type Completion, complete, contentBytes, contentText, estimateTokens } from './completion-text.js'
import type { Exchange } from './exchange.js'
import {
  invalidType,
  isJsonObject,
  type JsonObject,
  optionalPositiveInteger,
  required,
  requireModel,
} from './fields.js'
import { systemFingerprint } from './identity.js'
import { sendJson } from './reply.js'
import { DONE_EVENT, dataEvent, sendEventStream } from './sse.js'
import { forcedToolCall } from './tool-call.js'

function chatUsage(promptTokens: number, completion: Pick<Completion, 'pieces'>) {
  const completionTokens = completion.pieces.length
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  }
}

/**
 * Replies to a chat completion request.
 *
 * @example
 * // curl -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}' .../v1/chat/completions
 * // -> choices[0].message.content === 'Mock reply to: hi'
 */
export async function chatCompletions(ex: Exchange, body: JsonObject): Promise<void> {
  const model = requireModel(body)
  const messages = required(body, 'messages')
  if (!Array.isArray(messages)) throw invalidType('messages', 'an array')
  const maxTokens =
    optionalPositiveInteger(body, 'max_completion_tokens') ?? optionalPositiveInteger(body, 'max_tokens')

  let promptBytes = 0
  let lastUserText = ''
  for (const message of messages) {
    if (!isJsonObject(message)) continue
    promptBytes += contentBytes(message.content)
    if (message.role === 'user') lastUserText = contentText(message.content)
  }
  const completion = complete(lastUserText, ex.controls.chunks, maxTokens)
  const call = forcedToolCall(body, lastUserText, ex.identity.hex)
  const usage = chatUsage(
    estimateTokens(promptBytes),
    call === undefined ? completion : { pieces: call.pieces },
  )
  const finishReason = call !== undefined ? 'tool_calls' : completion.truncated ? 'length' : 'stop'
  const head = {
    id: `chatcmpl-${ex.identity.hex.slice(0, 29)}`,
    created: ex.identity.created,
    model,
  }
  const fingerprint = systemFingerprint(model)

  if (body.stream !== true) {
    await sendJson(ex, 200, {
      id: head.id,
      object: 'chat.completion',
      created: head.created,
      model,
      choices: [
        {
          index: 0,
          message:
            call === undefined
              ? { role: 'assistant', content: completion.text, refusal: null }
              : {
                  role: 'assistant',
                  content: null,
                  tool_calls: [
                    {
                      id: call.id,
                      type: 'function',
                      function: { name: call.name, arguments: call.arguments },
                    },
                  ],
                  refusal: null,
                },
          logprobs: null,
          finish_reason: finishReason,
        },
      ],
      usage,
      service_tier: 'default',
      system_fingerprint: fingerprint,
    })
    return
  }

  const streamOptions = body.stream_options
  const includeUsage = isJsonObject(streamOptions) && streamOptions.include_usage === true
  // With include_usage the real API puts `"usage":null` on every chunk before the usage chunk.
  const tail = includeUsage ? { usage: null } : {}
  const event = (choices: object[], extra: object) =>
    dataEvent({
      id: head.id,
      object: 'chat.completion.chunk',
      created: head.created,
      model,
      service_tier: 'default',
      system_fingerprint: fingerprint,
      choices,
      ...extra,
    })
  const chunk = (delta: object, finish: string | null) =>
    event([{ index: 0, delta, logprobs: null, finish_reason: finish }], tail)

  const events = [chunk({ role: 'assistant', content: '' }, null)]
  if (call !== undefined) {
    const fn = { name: call.name, arguments: '' }
    events.push(chunk({ tool_calls: [{ index: 0, id: call.id, type: 'function', function: fn }] }, null))
    for (const piece of call.pieces)
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null))
  } else {
    for (const piece of completion.pieces) events.push(chunk({ content: piece }, null))
  }
  events.push(chunk({}, finishReason))
  if (includeUsage) events.push(event([], { usage }))
  events.push(DONE_EVENT)
  await sendEventStream(ex, events)
}

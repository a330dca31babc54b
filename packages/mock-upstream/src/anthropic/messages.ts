/**
 * POST /v1/messages: a Messages JSON reply, or with `stream: true` the full event sequence; and
 * POST /v1/messages/count_tokens: `{ input_tokens }`. Both read the request the way the real API
 * does (model and max_tokens required) and answer with Anthropic's headers (`request-id`).
 */
import type { Exchange } from '../exchange.js'
import { type JsonObject, requireModel } from '../fields.js'
import { sendJson } from '../reply.js'
import { sendEventStream } from '../sse.js'
import { messageUsage, streamEvents } from './events.js'
import { finalBlock, planReply } from './reply.js'

/** The header that turns the second half of a stream into an `error` event of that type. */
export const STREAM_ERROR_HEADER = 'x-mock-stream-error'

/**
 * Replies to a Messages request.
 *
 * @example
 * // curl -H 'x-api-key: k' -H 'anthropic-version: 2023-06-01'
 * //   -d '{"model":"claude-x","max_tokens":64,"messages":[{"role":"user","content":"hi"}]}' .../v1/messages
 * // -> content[0].text === 'Mock reply to: hi'
 */
export async function messages(ex: Exchange, body: JsonObject): Promise<void> {
  const model = requireModel(body)
  const reply = planReply(body, ex.controls, ex.identity.hex)
  const id = `msg_${ex.identity.hex.slice(0, 24)}`
  const headers = { 'request-id': ex.identity.requestId }
  if (body.stream !== true) {
    await sendJson(
      ex,
      200,
      {
        id,
        type: 'message',
        role: 'assistant',
        model,
        content: reply.blocks.map(finalBlock),
        stop_reason: reply.stopReason,
        stop_sequence: reply.stopSequence,
        usage: messageUsage(reply, reply.outputTokens),
      },
      headers,
    )
    return
  }
  const raw = ex.headers[STREAM_ERROR_HEADER]
  const streamError = Array.isArray(raw) ? raw[0] : raw
  await sendEventStream(ex, streamEvents({ id, model }, reply, streamError), headers)
}

/** Replies to a token count request: the input tokens the same request would be charged. */
export async function countTokens(ex: Exchange, body: JsonObject): Promise<void> {
  requireModel(body)
  const reply = planReply({ ...body, max_tokens: 1 }, ex.controls, ex.identity.hex)
  await sendJson(
    ex,
    200,
    { input_tokens: reply.inputTokens + reply.cacheReadTokens },
    {
      'request-id': ex.identity.requestId,
    },
  )
}
